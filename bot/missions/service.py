"""MissionService: the core API every surface calls (Slack, Teams, console). No platform types here."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import AlreadyDecided, BadRequest, Halted, NotAuthorized
from bot.core.inputs import is_blank
from bot.core.limits import admit
from bot.core.models import Control, MessageRef, Mission, Proposal, Request
from bot.core.queueing import enqueue_card_sync, enqueue_execution, enqueue_mission
from bot.core.routing import NoRoute, help_text, route
from bot.core.runtime import Runtime
from bot.missions import closing, more_info
from bot.missions.kill_switch import halt_worker
from bot.missions.digest.compute import compute
from bot.missions.digest.model import Digest
from bot.missions.notify import Notifier
from bot.missions.recovery import record_decision
from bot.missions.undo import request_undo

AUTONOMY_MODES = ("shadow", "assisted", "autonomous")
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
    def submit(self, request: Request, *, post_ack: PostAck | None = None) -> Submitted:
        """Create the mission and enqueue it. `post_ack` is the surface posting `Submitted.text` (every
        outcome, refusals included); the status ref it returns is attached BEFORE the mission is enqueued,
        so no worker can run ahead of the status message. A failed post still enqueues the mission."""
        submitted = self.create(request)
        try:
            ref = post_ack(submitted) if post_ack is not None else None
            if ref is not None and submitted.mission is not None:
                self.attach_status(submitted.mission.id, ref)
        except Exception:
            if submitted.mission is None:
                raise  # nothing was created: the surface's own error handling answers
            # The mission matters more than its "queued" reply: it still runs, without a status message.
            log.exception("could not post the ack for mission %s", submitted.mission.id)
        if submitted.mission is not None:
            self.start(submitted.mission.id)
        return submitted

    def create(self, request: Request) -> Submitted:
        """Route, admit and record the mission without running it: fast enough for a surface's ack path.
        The surface then posts `Submitted.text`, calls `attach_status` and `start`; a mission whose start
        never came (a crash in between) is started by the recovery sweep after a grace period."""
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
        if self.rt.control(worker.name).killed:
            return Submitted(text=f"{worker.display_name} is halted by its owner; no new missions start.")
        now = self.rt.clock()
        mission_id = self.rt.new_id()
        refused = admit(self.rt, worker, mission_id=mission_id)  # hourly rate and weekly token budget
        if refused is not None:
            return Submitted(text=refused.text)
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
            created_at=now,
            updated_at=now,
        )
        self.rt.store.create_mission(mission)
        self.rt.audit.record(
            "mission.created",
            actor=request.requester,
            worker=worker.name,
            mission=mission_id,
            platform=request.platform,
            conversation=request.conversation,
            text=found.text,
            route=found.mission,
        )
        return Submitted(
            mission=mission,
            text=f"🧭 Queued mission {mission_id} for {worker.display_name} "
            f"({found.mission}). I'll post my reasoning in this thread.",
        )

    def start(self, mission_id: str) -> bool:
        """Enqueue the mission's run; idempotent (the job id is derived from the mission). False: already
        enqueued, or the mission is no longer queued (cancelled by the kill switch meanwhile)."""
        if self.rt.store.mission(mission_id).status != "queued":
            return False
        return enqueue_mission(self.rt, mission_id)

    def attach_status(self, mission_id: str, ref: MessageRef) -> None:
        """The surface posted the 'queued' reply; later status changes update it in place."""
        self.rt.store.mutate_mission(mission_id, lambda m: m.model_copy(update={"status_ref": ref}))

    def add_context(self, mission_id: str, *, user: str, text: str) -> Mission:
        """A follow-up from the requester (a thread reply) joins the mission's context; only they may add it."""
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

    # -- decisions -----------------------------------------------------------------------
    def decide(
        self,
        proposal_id: str,
        *,
        actor: str,
        approve: bool,
        platform: str,
        reason_code: str | None = None,
        comment: str | None = None,
    ) -> Proposal:
        proposal = self.rt.store.proposal(proposal_id)
        worker = self.rt.worker(proposal.worker)
        self.authorize_decision(proposal, actor)
        if not approve and reason_code not in worker.escalation.reason_codes:
            raise BadRequest(f"A rejection needs a reason code: {', '.join(worker.escalation.reason_codes)}")
        status = ("shadow_" if proposal.shadow else "") + ("approved" if approve else "rejected")
        now = self.rt.clock()

        def decide(p: Proposal) -> Proposal:
            self._refuse_unless_decidable(p, now=now)
            return p.model_copy(
                update={
                    "status": status,
                    "decided_by": actor,
                    "decided_at": now,
                    "decided_on": platform,
                    "reason_code": None if approve else reason_code,
                    "comment": comment,
                }
            )

        decided = self.rt.store.mutate_proposal(
            proposal_id, decide, worker=worker.name, mission=proposal.mission_id
        )
        # Each follow-up is also done by the recovery sweep if a crash stops us here (bot/missions/recovery.py).
        record_decision(self.rt, decided)
        enqueue_card_sync(self.rt, proposal_id, reason="decided")
        if status == "approved":
            enqueue_execution(self.rt, proposal_id)
        else:
            enqueue_mission(self.rt, decided.mission_id, reason=f"after-{proposal_id}")
        return decided

    def check_decidable(self, proposal_id: str, *, actor: str) -> Proposal:
        """Raise what `decide` would raise for `actor` now (NotAuthorized, AlreadyDecided, Halted), changing
        nothing: a surface asks before opening a reject dialog. The reason code is checked by `decide`."""
        proposal = self.rt.store.proposal(proposal_id)
        self.authorize_decision(proposal, actor)
        self._refuse_unless_decidable(proposal, now=self.rt.clock())
        return proposal

    def _refuse_unless_decidable(self, p: Proposal, *, now: datetime) -> None:
        closed = closing.blocker(self.rt, p, now=now)  # a proposal belongs to its mission
        if closed is not None:
            raise closed
        if p.status != "pending":
            raise AlreadyDecided(
                status=p.status,
                by=p.decided_by or "the system",
                at=(p.decided_at or now).strftime("%Y-%m-%d %H:%M UTC"),
            )
        if self.rt.control(p.worker).killed:
            raise Halted(
                f"{self.rt.worker(p.worker).display_name} is halted; pending proposals cannot be approved"
            )

    def authorize_decision(self, proposal: Proposal, actor: str) -> None:
        """Approvers and four-eyes compare people: a linked Slack and Teams account are one (bot/core/people.py)."""
        refused = self._refusal(proposal, actor, self.rt.people.accounts_of(actor))
        if refused is not None:
            raise NotAuthorized(refused)

    def _refusal(self, proposal: Proposal, actor: str, accounts: frozenset[str]) -> str | None:
        worker = self.rt.worker(proposal.worker)
        if not worker.may_approve(actor, accounts=accounts):
            names = ", ".join(f"@{a}" for a in [*worker.escalation.approvers, *worker.escalation.backup])
            return f"Only {names} can decide on {worker.display_name}'s proposals."
        if proposal.requester in accounts and not worker.escalation.allow_self_approval:
            return "You asked for this mission, so another approver must decide (four-eyes rule)."
        return None

    def pending_for(self, user: str) -> list[Proposal]:
        """Oldest first, only what `user` (as a person: every linked account) may decide."""
        accounts = self.rt.people.accounts_of(user)
        return [p for p in self.rt.store.pending_proposals() if self._refusal(p, user, accounts) is None]

    # -- control (owner only) ------------------------------------------------------------
    def _owner(self, worker_name: str, actor: str) -> None:
        worker = self.rt.worker(worker_name)
        if not self.rt.people.same(actor, worker.owner):
            raise NotAuthorized(
                f"Only {worker.display_name}'s owner @{worker.owner} can change its controls."
            )

    def _set(self, worker: str, actor: str, **change: object) -> Control:
        control = self.rt.control(worker).model_copy(
            update={**change, "changed_by": actor, "changed_at": self.rt.clock()}
        )
        self.rt.store.set_control(worker, control)
        self.rt.audit.record(
            "control.changed", actor=actor, worker=worker, **{k: str(v) for k, v in change.items()}
        )
        return control

    def set_autonomy(self, worker: str, mode: str, *, actor: str) -> Control:
        self._owner(worker, actor)
        if mode not in AUTONOMY_MODES:
            raise BadRequest(f"Autonomy is one of {', '.join(AUTONOMY_MODES)}, not {mode!r}.")
        return self._set(worker, actor, autonomy=mode)

    def kill(self, worker: str, *, actor: str) -> Control:
        """From now: no tool call starts, queued missions are cancelled, pending proposals are halted."""
        self._owner(worker, actor)
        control = self._set(worker, actor, killed=True)
        halt_worker(self.rt, worker, actor=actor)
        return control

    def resume(self, worker: str, *, actor: str) -> Control:
        self._owner(worker, actor)
        return self._set(worker, actor, killed=False)

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
            f"{', HALTED' if self.rt.control(w.name).killed else ''}): {w.description}"
            for w in bound
        )

    def digest(self, worker_name: str, *, actor: str) -> Digest:
        """The worker's weekly digest up to now, for its owner and approvers (it names approvers and rates)."""
        worker = self.rt.worker(worker_name)
        accounts = self.rt.people.accounts_of(actor)
        if worker.owner not in accounts and not worker.may_approve(actor, accounts=accounts):
            raise NotAuthorized(
                f"Only {worker.display_name}'s owner @{worker.owner} and its approvers can read its digest."
            )
        self.rt.audit.record("digest.viewed", actor=actor, worker=worker_name)
        return compute(self.rt, worker_name, end=self.rt.clock())

    # -- undo ----------------------------------------------------------------------------
    def request_undo(self, proposal_id: str, *, actor: str) -> Proposal:
        """Ask to reverse an executed action: creates the undo tool's proposal, which an approver decides."""
        return request_undo(self.rt, proposal_id, actor=actor)
