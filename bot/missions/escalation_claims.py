"""Each escalation step taken once: claimed with one atomic change of the proposal (WATCH/MULTI in
`Store.mutate_proposal`), its messages sent under a short Redis lease (SET NX), so two schedulers (or two
sweeps racing) send them once. A step counts as done (`escalation_done`) only after its messages went
out: when a messenger fails, the lease is released and the next sweep delivers the step again."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from bot.core.models import Proposal
from bot.core.runtime import Runtime

LEASE_SECONDS = 300  # longer than any messenger call; a sweep that died mid-step frees it after this
T = TypeVar("T")


class NotNow(Exception):
    """Raised inside a mutate to leave the proposal untouched (decided meanwhile, or step already taken)."""


class StepClaims:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._held: set[str] = set()  # leases this escalator holds

    def lease_key(self, proposal_id: str, level: int) -> str:
        return self.rt.store.key("escalation-lease", proposal_id, str(level))

    def step(self, proposal_id: str, level: int, run: Callable[[], T | None]) -> T | None:
        """Run one step; done only when its messages went out, else its lease is freed for the next sweep."""
        lease = self.lease_key(proposal_id, level)
        try:
            taken = run()
        except Exception:
            if lease in self._held:
                self._held.discard(lease)
                self.rt.redis.delete(lease)
            raise
        if lease in self._held:  # marked done before the lease goes, so nobody who takes it next redelivers
            self.mutate(
                proposal_id, lambda p: p.model_copy(update={"escalation_done": max(p.escalation_done, level)})
            )
            self._held.discard(lease)
            self.rt.redis.delete(lease)
        return taken

    def claim(self, proposal_id: str, level: int, note: str) -> Proposal | None:
        """Claim step `level`, or resume it when an earlier claim's messages did not all go out.

        Returns the proposal when this sweep is to send the step's messages (holding its lease), else None.
        """

        def claim(p: Proposal) -> Proposal:
            if p.status != "pending" or p.escalation_done >= level:
                raise NotNow
            if p.escalation_level >= level:
                return p  # claimed by an earlier sweep whose messages failed: deliver them now
            return p.model_copy(update={"escalation_level": level, "escalation_note": note})

        if self.mutate(proposal_id, claim) is None:
            return None
        lease = self.lease_key(proposal_id, level)
        if not self.rt.redis.set(lease, self.rt.clock().isoformat(), nx=True, ex=LEASE_SECONDS):
            return None  # another sweep is sending this step right now
        self._held.add(lease)
        current = self.rt.store.proposal(proposal_id)
        if current.status != "pending" or current.escalation_done >= level:  # it finished while we claimed
            self._held.discard(lease)
            self.rt.redis.delete(lease)
            return None
        return current

    def mutate(self, proposal_id: str, change: Callable[[Proposal], Proposal]) -> Proposal | None:
        try:
            return self.rt.store.mutate_proposal(proposal_id, change)
        except NotNow:
            return None
