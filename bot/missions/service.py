"""MissionService: the core API every surface calls (Slack, Teams, console). No platform types here."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.errors import BadRequest, NotAuthorized, NotFound
from bot.core.inputs import is_blank
from bot.core.limits import admit
from bot.core.models import Control, MessageRef, Mission, Proposal, Request
from bot.core.policy import authorize_digest
from bot.core.queueing import enqueue_mission
from bot.core.rate_limited import RecordChanged
from bot.core.routing import NoRoute, help_text, route
from bot.core.runtime import Runtime
from bot.missions import controls, decisions, delegation, kill_switch, more_info, requesters
from bot.missions.batch import Outcome, decide_batch
from bot.missions.digest import home
from bot.missions.digest.compute import compute, up_to_now
from bot.missions.digest.home import Panel
from bot.missions.digest.model import Digest
from bot.missions.notify import Notifier
from bot.missions.undo import request_undo

BLANK_REQUEST = (
    "Your message has no visible text, so there is nothing to start. Tell me what you need in words."
)
log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Submitted:
    text: str  # what the requester sees at once
    mission: Mission | None = None  # None: a help answer or a refusal, nothing was created


PostAck = Callable[[Submitted], MessageRef | None]


class MissionService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.notify = Notifier(rt)

    # -- requests ------------------------------------------------------------------------
    # Every surface starts a mission with the same two calls: `create` (durable and fast, so it fits before
    # a platform's ack), then, once the surface has posted `Submitted.text`, `launch`. Slack calls them on
    # either side of its ack; `submit` is the two in one call for a surface that posts synchronously.
    def submit(self, request: Request, *, post_ack: PostAck | None = None) -> Submitted:
        """`create`, then `post_ack` (the surface posting `Submitted.text`, every outcome, refusals
        included), then `launch` with the ref it returns. A failed post still launches the mission."""
        submitted = self.create(request)
        status = None
        try:
            status = post_ack(submitted) if post_ack is not None else None
        except Exception:
            if submitted.mission is None:
                raise  # nothing was created: the surface's own error handling answers
            # The mission matters more than its "queued" reply: it still runs, without a status message.
            log.exception("could not post the ack for mission %s", submitted.mission.id)
        self.launch(submitted, status=status)
        return submitted

    def create(
        self, request: Request, *, mission_id: str | None = None, reserved_now: bool = False
    ) -> Submitted:
        """Route, admit and record the mission without running it: fast enough for a surface's ack path.
        The surface then posts `Submitted.text` and calls `launch`; a mission whose launch never came (a
        crash in between) is started by the recovery sweep after a grace period. `mission_id`: the id the
        caller derived for this request (bot/missions/intake.py); a mission already recorded under it is
        returned as it is, so handling the same request again creates nothing. `reserved_now`: the caller
        reserved that id just now, so nothing can be recorded under it yet (that read is skipped)."""
        if (
            mission_id is not None
            and not reserved_now
            and (existing := self._recorded(mission_id)) is not None
        ):
            return Submitted(mission=existing, text=self._queued_text(existing))
        text = request.text.strip()
        if is_blank(text):  # zero-width, bidi and control characters only: nothing to act on
            return Submitted(text=BLANK_REQUEST)
        limit = self.rt.settings.max_request_chars
        if len(text) > limit:
            return Submitted(
                text=f"That request is {len(text):,} characters long; the limit is {limit:,}. "
                "Please send a shorter summary (put long material in a ticket and link it)."
            )
        found = route(self.rt.workers, conversation=request.conversation, text=text)
        if isinstance(found, NoRoute):
            return Submitted(text=help_text(found))
        worker = found.worker
        now = self.rt.clock()
        mission_id = mission_id or self.rt.new_id()
        if (
            not_you := requesters.refusal(self.rt, worker, requester=request.requester, mission_id=mission_id)
        ) is not None:
            return Submitted(text=not_you)  # who may ask, and their hourly cap: told why, nothing recorded
        mission = Mission(
            id=mission_id,
            worker=worker.name,
            mission=found.mission,
            platform=request.platform,
            conversation=request.conversation,
            thread=request.thread or mission_id,
            requester=request.requester,
            text=found.text,
            vars=found.vars,
            locale=request.locale,
            created_at=now,
            updated_at=now,
        )
        created = self.rt.audit.seal(
            "mission.created",
            actor=request.requester,
            worker=worker.name,
            mission=mission_id,
            platform=request.platform,
            conversation=request.conversation,
            text=found.text,
            route=found.mission,
        )
        # The kill switch, the weekly token budget and the hourly rate, and once admitted the record, its
        # indexes and its audit event: one script, one round trip.
        refused = admit(self.rt, worker, mission_id=mission_id, unless_halted=True, create=(mission, created))
        if refused is not None and refused.recorded:  # a concurrent handling of this request created it
            existing = self.rt.store.mission(mission_id)
            return Submitted(mission=existing, text=self._queued_text(existing))
        if refused is not None:  # the person's hourly cap counted a request that did not start
            requesters.uncount(self.rt, worker, requester=request.requester, mission_id=mission_id)
        if refused is not None and refused.halted:
            return Submitted(text=f"{worker.display_name} is halted by its owner; no new missions start.")
        if refused is not None:
            return Submitted(text=refused.text)
        return Submitted(mission=mission, text=self._queued_text(mission))

    def _recorded(self, mission_id: str) -> Mission | None:
        try:
            return self.rt.store.mission(mission_id)
        except NotFound:
            return None

    def _queued_text(self, mission: Mission) -> str:
        return (
            f"🧭 Queued mission {mission.id} for {self.rt.worker(mission.worker).display_name} "
            f"({mission.mission}). I'll post my reasoning in this thread."
        )

    def start(self, mission_id: str, *, worker: str | None = None) -> bool:
        """Enqueue the mission's run; idempotent (the job id is derived from the mission). False: already
        enqueued, or the mission is no longer queued (cancelled by the kill switch meanwhile): checked with
        the duplicate marker, in one round trip. `worker`: the mission's, when the caller knows it."""
        return enqueue_mission(self.rt, mission_id, worker=worker, if_status="queued")

    def launch(self, submitted: Submitted, *, status: MessageRef | None = None) -> bool:
        """The surface posted `submitted.text` as `status` (None: it could not): attach it as the mission's
        status message, which later changes update in place, THEN enqueue the run, so no worker runs ahead
        of it. Nothing to launch for a help answer or a refusal. True when the run was enqueued now."""
        mission = submitted.mission
        if mission is None:
            return False
        if status is not None and mission.status == "queued":
            # The attach and the enqueue in one round trip, if the record still holds what `create` wrote.
            expected = mission.model_dump_json()
            new = mission.model_copy(update={"status_ref": status}).model_dump_json()
            try:
                started = enqueue_mission(
                    self.rt, mission.id, worker=mission.worker, if_status="queued", replace=(expected, new)
                )
            except RecordChanged:  # changed since (the kill switch, a recovery sweep): attach to what it is
                pass
            else:
                self.rt.store.records.saw(self.rt.store.key("mission", mission.id), new)
                return started
        if status is not None:
            try:
                self.rt.store.mutate_mission(
                    mission.id, lambda m: m.model_copy(update={"status_ref": status})
                )
            except Exception:  # a convenience: the mission still runs, without a status message
                log.exception("could not attach the status message of mission %s", mission.id)
        return self.start(mission.id, worker=mission.worker)

    def add_context(self, mission_id: str, *, user: str, text: str) -> Mission:
        """A follow-up from the requester (a thread reply) joins the mission's context;
        only they may add it."""
        mission = self.rt.store.mission(mission_id)
        if not self.rt.people.same(user, mission.requester):  # the same person, from any platform
            raise NotAuthorized(
                f"Only @{mission.requester}, who asked for {mission_id}, can add context to it."
            )
        text = text.strip()
        if is_blank(text):  # invisible-only text adds nothing a person or the model could read
            raise BadRequest("There is no visible text to add.")
        limit = self.rt.settings.max_request_chars
        if len(text) > limit:
            raise BadRequest(f"That reply is {len(text):,} characters long; the limit is {limit:,}.")
        if not mission.is_open:
            raise BadRequest(
                f"{mission_id} is already {mission.status.replace('_', ' ')}; start a new request."
            )
        # A mission waiting for more information resumes with it (bot/missions/more_info.py).
        return more_info.resume(self.rt, mission_id, user=user, text=text)

    # -- decisions (bot/missions/decisions.py; the rule: bot/core/policy/deciders.py) ----------
    def decide(
        self,
        proposal_id: str,
        *,
        actor: str,
        approve: bool,
        platform: str,
        reason_code: str | None = None,
        comment: str | None = None,
        edits: Mapping[str, Any] | None = None,
        seen_version: int | None = None,
    ) -> Proposal:
        """`edits`: approve with changes ({argument: value} within the tool's `editable` bounds).
        `seen_version`: the arguments' version on the card decided from (bot/core/card_edits.py)."""
        return decisions.decide(
            self.rt,
            proposal_id,
            actor=actor,
            approve=approve,
            platform=platform,
            reason_code=reason_code,
            comment=comment,
            edits=edits,
            seen_version=seen_version,
        )

    def decide_batch(self, proposal_ids: list[str], **how: Any) -> list[Outcome]:
        """Several exact proposals of one tool, each decided on its own: `actor`, `approve`, `platform`,
        `reason_code` as in bot/missions/batch.py."""
        return decide_batch(self.rt, proposal_ids, **how)

    def delegations(self, user: str) -> str:
        """Who decides for `user` and for whom they decide (bot/missions/delegation.py), as a line or two."""
        return delegation.listing(self.rt, actor=user, none="")

    def check_decidable(self, proposal_id: str, *, actor: str) -> Proposal:
        """Raise what `decide` would raise for `actor` now, changing nothing."""
        return decisions.check_decidable(self.rt, proposal_id, actor=actor)

    def authorize_decision(self, proposal: Proposal, actor: str) -> None:
        decisions.authorize(self.rt, proposal, actor=actor)

    def pending_for(self, user: str) -> list[Proposal]:
        """Oldest first, only what `user` (as a person: every linked account) may decide."""
        return decisions.pending_for(self.rt, user)

    # -- controls, owner only (bot/missions/controls.py, bot/missions/kill_switch.py) -------
    def set_autonomy(self, worker: str, mode: str, *, actor: str) -> Control:
        return controls.set_autonomy(self.rt, worker, mode, actor=actor)

    def kill(self, worker: str, *, actor: str) -> Control:
        """From now: no tool call starts, queued missions are cancelled, pending proposals are halted."""
        return kill_switch.pull(self.rt, worker, actor=actor)

    def resume(self, worker: str, *, actor: str) -> Control:
        return kill_switch.release(self.rt, worker, actor=actor)

    # -- reading -------------------------------------------------------------------------
    def status(self, mission_id: str) -> str:
        m = self.rt.store.mission(mission_id)
        lines = [f"{m.id} ({m.worker}/{m.mission}) is {m.status.replace('_', ' ')}; asked by @{m.requester}"]
        for pid in m.proposals:
            p = self.rt.store.proposal(pid)
            lines.append(f"• {p.tool}: {p.status}" + (f" by @{p.decided_by}" if p.decided_by else ""))
        if m.verdict:
            lines.append(m.verdict)
        return "\n".join(lines)

    def workers_here(self, conversation: str) -> str:
        bound = [w for w in self.rt.workers.values() if conversation in w.channels] or list(
            self.rt.workers.values()
        )
        return "\n".join(
            f"• {w.name}: {w.display_name} ({self.rt.control(w.name).autonomy}"
            f"{', HALTED' if kill_switch.is_halted(self.rt, w.name) else ''}): {w.description}"
            for w in bound
        )

    def digest(self, worker_name: str, *, actor: str) -> Digest:
        """The worker's weekly digest up to now, for its owner and approvers
        (it names approvers and rates)."""
        worker = self.rt.worker(worker_name)
        authorize_digest(
            worker, actor=actor, accounts=self.rt.people.accounts_of(actor), members=self.rt.groups.members
        )
        self.rt.audit.record("digest.viewed", actor=actor, worker=worker_name)
        return compute(self.rt, worker_name, end=up_to_now(self.rt))

    def manager_panels(self, user: str, platform: str) -> list[Panel]:
        """App Home: this week's figures for each worker `user` owns (nothing for anyone else)."""
        return home.panels(self.rt, user, platform=platform)

    # -- undo ----------------------------------------------------------------------------
    def request_undo(self, proposal_id: str, *, actor: str) -> Proposal:
        """Ask to reverse an executed action: creates the undo tool's proposal, which an approver decides."""
        return request_undo(self.rt, proposal_id, actor=actor)
