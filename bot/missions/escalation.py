"""The SLA escalation ladder for pending proposals: remind, re-route to backup, expire.

Each step is claimed once (bot/missions/escalation_claims.py: an atomic change of the proposal, then a
short Redis lease while its messages go out), so two schedulers remind and re-route each proposal once and
a failed messenger's step is delivered again by the next sweep. Expiry resumes the mission first and
leaves the card updates to a retried RQ job. Time is working time when the worker declares
`escalation.working_hours`, and always comes from the runtime's clock.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from bot.core.config.models import WorkerConfig
from bot.core.errors import NotFound
from bot.core.groups import is_group
from bot.core.models import Proposal
from bot.core.policy import mention
from bot.core.policy.deciders import OWNER
from bot.core.queueing import enqueue_card_sync, enqueue_mission
from bot.core.runtime import Runtime
from bot.core.worktime import working_minutes
from bot.missions import closing, delegation, more_info
from bot.missions.escalation_claims import NotNow, StepClaims
from bot.missions.notify import Notifier

log = logging.getLogger(__name__)
ACTOR = "system:escalation"
REMIND, REROUTE = 1, 2  # OWNER (3) lives with the rule it opens
_SLACK_USER = re.compile(r"^[UW][A-Z0-9]+$")


@dataclass(frozen=True, kw_only=True)
class StepTaken:
    proposal: str
    step: str  # reminded | rerouted | to_owner | expired | closed (its mission closed without it)
    minutes: float


def _mentions(users: list[str]) -> str:
    return ", ".join(mention(u) for u in users)


def _slot_groups(worker: WorkerConfig) -> list[str]:
    return [g if g.startswith(("@", "S")) else f"@{g}" for p in worker.tools.values() for g in p.from_groups]


def _recipients(rt: Runtime, entries: list[str], platform: str) -> list[str]:
    """Each listed account, and the members of each group (now) that `platform` can message; someone away
    without a delegate is skipped, and a delegate gets the copy of who delegated to them."""
    found: list[str] = []
    for entry in entries:
        for account in sorted(rt.groups.members(entry)):
            reachable = platform == "console" or bool(_SLACK_USER.match(account)) == (platform == "slack")
            if not (reachable or not is_group(entry)) or delegation.skipped(rt, account):
                continue
            lent = delegation.active(rt, account)
            for target in [account] + ([lent.delegate] if lent is not None else []):
                if target not in found:
                    found.append(target)
    return found


class Escalator:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.notify = Notifier(rt)
        self.claims = StepClaims(rt)

    def sweep(self) -> list[StepTaken]:
        """One pass over every pending proposal; returns the steps this sweep (and no other) took."""
        taken: list[StepTaken] = []
        self._refresh_groups()
        for proposal in self.rt.store.pending_proposals():
            if proposal.worker not in self.rt.workers:
                continue
            try:
                taken += self._advance(proposal)
            except NotFound:  # removed under us; nothing to escalate
                continue
            except Exception:  # one failing proposal must not cost the others their step; retried next sweep
                log.exception("escalation of %s failed; the next sweep retries it", proposal.id)
        # Missions waiting for the requester's information expire on the same clock
        # (bot/missions/more_info.py).
        try:
            taken += [
                StepTaken(proposal=mission_id, step="info_expired", minutes=0.0)
                for mission_id in more_info.expire_waiting(self.rt)
            ]
        except Exception:
            log.exception("expiring missions waiting for information failed; the next sweep retries")
        return taken

    def _refresh_groups(self) -> None:
        """Keep the Slack user groups approvers are named by cached (bot/core/groups.py)."""
        entries = [
            entry
            for w in self.rt.workers.values()
            for entry in [*w.escalation.approvers, *w.escalation.backup, *_slot_groups(w)]
        ]
        try:
            self.rt.groups.refresh_due(self.rt.groups.slack_usergroups(entries))
        except Exception:
            log.exception("refreshing approver groups failed; the next sweep retries")

    def waited(self, proposal: Proposal, worker: WorkerConfig) -> float:
        return working_minutes(proposal.created_at, self.rt.clock(), worker.escalation.working_hours)

    def _advance(self, proposal: Proposal) -> list[StepTaken]:
        worker = self.rt.worker(proposal.worker)
        if closing.close_orphan(self.rt, proposal.id, actor=ACTOR):  # its mission closed without it
            return [StepTaken(proposal=proposal.id, step="closed", minutes=self.waited(proposal, worker))]
        esc = worker.escalation
        minutes = self.waited(proposal, worker)
        window = esc.expire_after_minutes * (2 if esc.on_expiry == "escalate_to_owner" else 1)
        if minutes >= window and esc.on_expiry != "keep_pending":
            return [s for s in [self._expire(proposal, minutes)] if s]
        if minutes >= esc.expire_after_minutes and esc.on_expiry == "escalate_to_owner":
            step = self.claims.step(proposal.id, OWNER, lambda: self._to_owner(proposal, worker, minutes))
            return [s for s in [step] if s]
        taken = []
        if minutes >= esc.response_target_minutes and proposal.escalation_done < REMIND:
            taken.append(
                self.claims.step(proposal.id, REMIND, lambda: self._remind(proposal, worker, minutes))
            )
        if esc.backup and minutes >= 2 * esc.response_target_minutes and proposal.escalation_done < REROUTE:
            taken.append(
                self.claims.step(proposal.id, REROUTE, lambda: self._reroute(proposal, worker, minutes))
            )
        return [s for s in taken if s]

    def _remind(self, proposal: Proposal, worker: WorkerConfig, minutes: float) -> StepTaken | None:
        present = [a for a in worker.escalation.approvers if not delegation.skipped(self.rt, a)]
        approvers = _mentions(present or worker.escalation.approvers)  # everyone away: remind them all
        note = (
            f"⏰ Reminder: waiting {minutes:.0f} min (target {worker.escalation.response_target_minutes} min)"
        )
        claimed = self.claims.claim(proposal.id, REMIND, note)
        if claimed is None:
            return None
        # Idempotent, so first (a retry after a failed reply repeats only that); strict:
        # a failed copy retries too.
        self.notify.sync_cards(claimed.id, strict=True)
        for ref in claimed.cards[:1]:  # one reply, under the original card
            self.rt.messengers.get(ref.platform).post(
                conversation=ref.conversation,
                thread=ref.thread or ref.ts,
                text=f"⏰ {approvers}: {claimed.tool} for mission {claimed.mission_id} has waited "
                f"{minutes:.0f} min for a decision (target {worker.escalation.response_target_minutes} min).",
            )
        self.rt.audit.record(
            "escalation.reminded",
            actor=ACTOR,
            worker=worker.name,
            mission=claimed.mission_id,
            proposal=claimed.id,
            minutes=round(minutes, 1),
            approvers=worker.escalation.approvers,
        )
        return StepTaken(proposal=claimed.id, step="reminded", minutes=minutes)

    def _reroute(self, proposal: Proposal, worker: WorkerConfig, minutes: float) -> StepTaken | None:
        backup = worker.escalation.backup
        note = f"↪️ Re-routed to {_mentions(backup)} after {minutes:.0f} min without a decision"
        return self._hand_over(
            proposal, worker, minutes, REROUTE, note, "rerouted", users=backup, backup=backup
        )

    def _to_owner(self, proposal: Proposal, worker: WorkerConfig, minutes: float) -> StepTaken | None:
        """`on_expiry: escalate_to_owner`: the card goes to the owner, who may decide it from now on."""
        note = f"⬆️ No decision within {minutes:.0f} min: escalated to the owner @{worker.owner}"
        owner = worker.owner
        return self._hand_over(proposal, worker, minutes, OWNER, note, "to_owner", users=[owner], owner=owner)

    def _hand_over(
        self,
        proposal: Proposal,
        worker: WorkerConfig,
        minutes: float,
        level: int,
        note: str,
        step: str,
        *,
        users: list[str],
        **audited: object,
    ) -> StepTaken | None:
        """Claim step `level`, audit it and send the card to `users` directly."""
        claimed = self.claims.claim(proposal.id, level, note)
        if claimed is None:
            return None
        self.rt.audit.record(
            f"escalation.{step}",
            actor=ACTOR,
            worker=worker.name,
            mission=claimed.mission_id,
            proposal=claimed.id,
            minutes=round(minutes, 1),
            **audited,
        )
        self._send_card(claimed, worker, users)
        return StepTaken(proposal=claimed.id, step=step, minutes=minutes)

    def _send_card(self, claimed: Proposal, worker: WorkerConfig, users: list[str]) -> None:
        platform = (
            claimed.cards[0].platform if claimed.cards else self.rt.store.mission(claimed.mission_id).platform
        )
        # A DM to each of them (a group's members; delegates too), kept in sync like every copy.
        self.notify.direct_copies(
            claimed, _recipients(self.rt, users, platform), platform=platform, actor=ACTOR
        )
        self.notify.sync_cards(claimed.id)

    def _expire(self, proposal: Proposal, minutes: float) -> StepTaken | None:
        def expire(p: Proposal) -> Proposal:
            if p.status != "pending":
                raise NotNow
            return p.model_copy(
                update={
                    "status": "expired",
                    "decided_at": self.rt.clock(),
                    "escalation_note": f"⌛ No decision within {minutes:.0f} min",
                }
            )

        # Watching the control and mission keys like `decide` does: an approval, a close and the expiry
        # cannot both land (a close settles the proposal first, and `expire` then leaves it).
        try:
            expired = self.rt.store.mutate_proposal(
                proposal.id, expire, worker=proposal.worker, mission=proposal.mission_id
            )
        except NotNow:
            return None
        # The mission resumes first (its verdict says "expired"), so no card or messenger trouble can park it;
        # the cards are updated by a job RQ retries.
        enqueue_mission(self.rt, expired.mission_id, reason=f"after-{expired.id}")
        self.rt.audit.record(
            "escalation.expired",
            actor=ACTOR,
            worker=expired.worker,
            mission=expired.mission_id,
            proposal=expired.id,
            minutes=round(minutes, 1),
        )
        enqueue_card_sync(self.rt, expired.id, reason="expired")
        return StepTaken(proposal=expired.id, step="expired", minutes=minutes)
