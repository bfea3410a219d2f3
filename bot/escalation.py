"""The SLA escalation ladder for pending proposals: remind, re-route to backup, expire.

Each step is claimed with one atomic change of the proposal (WATCH/MULTI in `Store.mutate_proposal`):
only the sweep whose change lands does the step's side effects, so two schedulers (or two sweeps
racing) remind, re-route and expire each proposal once. Time is working time when the worker
declares `escalation.working_hours`, and always comes from the runtime's clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot import more_info
from bot.cards import card_for
from bot.config.models import WorkerConfig
from bot.errors import NotFound
from bot.models import Proposal
from bot.notify import Notifier
from bot.queueing import enqueue_mission
from bot.runtime import Runtime
from bot.worktime import working_minutes

log = logging.getLogger(__name__)
ACTOR = "system:escalation"
REMIND, REROUTE = 1, 2


class _NotNow(Exception):
    """Raised inside a mutate to leave the proposal untouched (decided meanwhile, or step already taken)."""


@dataclass(frozen=True, kw_only=True)
class StepTaken:
    proposal: str
    step: str  # reminded | rerouted | expired
    minutes: float


def _mentions(users: list[str]) -> str:
    return ", ".join(f"@{u}" for u in users)


class Escalator:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.notify = Notifier(rt)

    def sweep(self) -> list[StepTaken]:
        """One pass over every pending proposal; returns the steps this sweep (and no other) took."""
        taken: list[StepTaken] = []
        for proposal in self.rt.store.pending_proposals():
            if proposal.worker not in self.rt.workers:
                continue
            try:
                taken += self._advance(proposal)
            except NotFound:  # removed under us; nothing to escalate
                continue
        # Missions waiting for the requester's information expire on the same clock (bot/more_info.py).
        taken += [StepTaken(proposal=mission_id, step="info_expired", minutes=0.0)
                  for mission_id in more_info.expire_waiting(self.rt)]
        return taken

    def waited(self, proposal: Proposal, worker: WorkerConfig) -> float:
        return working_minutes(proposal.created_at, self.rt.clock(), worker.escalation.working_hours)

    def _advance(self, proposal: Proposal) -> list[StepTaken]:
        worker = self.rt.worker(proposal.worker)
        esc = worker.escalation
        minutes = self.waited(proposal, worker)
        if minutes >= esc.expire_after_minutes:
            return [s for s in [self._expire(proposal, minutes)] if s]
        taken = []
        if minutes >= esc.response_target_minutes and proposal.escalation_level < REMIND:
            taken.append(self._remind(proposal, worker, minutes))
        if esc.backup and minutes >= 2 * esc.response_target_minutes and proposal.escalation_level < REROUTE:
            taken.append(self._reroute(proposal, worker, minutes))
        return [s for s in taken if s]

    def _claim(self, proposal_id: str, level: int, note: str) -> Proposal | None:
        def claim(p: Proposal) -> Proposal:
            if p.status != "pending" or p.escalation_level >= level:
                raise _NotNow
            return p.model_copy(update={"escalation_level": level, "escalation_note": note})

        return self._mutate(proposal_id, claim)

    def _mutate(self, proposal_id: str, change: Callable[[Proposal], Proposal]) -> Proposal | None:
        try:
            return self.rt.store.mutate_proposal(proposal_id, change)
        except _NotNow:
            return None

    def _remind(self, proposal: Proposal, worker: WorkerConfig, minutes: float) -> StepTaken | None:
        approvers = _mentions(worker.escalation.approvers)
        note = f"⏰ Reminder: waiting {minutes:.0f} min (target {worker.escalation.response_target_minutes} min)"
        claimed = self._claim(proposal.id, REMIND, note)
        if claimed is None:
            return None
        self.rt.audit.record("escalation.reminded", actor=ACTOR, worker=worker.name, mission=claimed.mission_id,
                             proposal=claimed.id, minutes=round(minutes, 1), approvers=worker.escalation.approvers)
        self.notify.sync_cards(claimed.id)
        for ref in claimed.cards[:1]:  # one reply, under the original card
            self.rt.messengers.get(ref.platform).post(
                conversation=ref.conversation, thread=ref.thread or ref.ts,
                text=f"⏰ {approvers}: {claimed.tool} for mission {claimed.mission_id} has waited "
                     f"{minutes:.0f} min for a decision (target {worker.escalation.response_target_minutes} min).")
        return StepTaken(proposal=claimed.id, step="reminded", minutes=minutes)

    def _reroute(self, proposal: Proposal, worker: WorkerConfig, minutes: float) -> StepTaken | None:
        backup = worker.escalation.backup
        note = f"↪️ Re-routed to {_mentions(backup)} after {minutes:.0f} min without a decision"
        claimed = self._claim(proposal.id, REROUTE, note)
        if claimed is None:
            return None
        self.rt.audit.record("escalation.rerouted", actor=ACTOR, worker=worker.name, mission=claimed.mission_id,
                             proposal=claimed.id, minutes=round(minutes, 1), backup=backup)
        platform = claimed.cards[0].platform if claimed.cards else self.rt.store.mission(claimed.mission_id).platform
        card = card_for(claimed, worker)
        for user in backup:  # a direct message to each backup approver, kept in sync like every other copy
            ref = self.rt.messengers.get(platform).post(conversation=user, thread=None, text=card.title, card=card)
            self.rt.store.add_card(claimed.id, ref)
        self.notify.sync_cards(claimed.id)
        return StepTaken(proposal=claimed.id, step="rerouted", minutes=minutes)

    def _expire(self, proposal: Proposal, minutes: float) -> StepTaken | None:
        def expire(p: Proposal) -> Proposal:
            if p.status != "pending":
                raise _NotNow
            return p.model_copy(update={"status": "expired", "decided_at": self.rt.clock(),
                                        "escalation_note": f"⌛ No decision within {minutes:.0f} min"})

        # Watching the control key like `decide` does: an approval and the expiry cannot both land.
        try:
            expired = self.rt.store.mutate_proposal(proposal.id, expire, worker=proposal.worker)
        except _NotNow:
            return None
        self.rt.audit.record("escalation.expired", actor=ACTOR, worker=expired.worker, mission=expired.mission_id,
                             proposal=expired.id, minutes=round(minutes, 1))
        self.notify.sync_cards(expired.id)
        enqueue_mission(self.rt, expired.mission_id, reason=f"after-{expired.id}")  # the verdict says so
        return StepTaken(proposal=expired.id, step="expired", minutes=minutes)
