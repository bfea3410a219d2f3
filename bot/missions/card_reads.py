"""What a new card reads before it is posted, in one round trip: how similar proposals were decided (its
precedent line, bot/core/precedent.py) and whether its approvers delegated (bot/missions/delegation.py).
Two reads that each used to be a round trip of their own on every mission that proposes. A mission that
proposes sends them with the proposal's creation (`CardReads.queue`, bot/missions/proposing.py)."""

from __future__ import annotations

from typing import Any

from bot.core import precedent
from bot.core.config.models import WorkerConfig
from bot.core.models import Proposal
from bot.core.precedent import Precedent
from bot.core.runtime import Runtime
from bot.missions import delegation

Read = tuple[list[Precedent], list[bytes | None]]


class CardReads:
    """The reads of `proposal`'s card, queued on a caller's pipeline (`queue`), picked from its replies."""

    def __init__(self, rt: Runtime, proposal: Proposal, worker: WorkerConfig) -> None:
        self.rt, self.proposal, self.worker = rt, proposal, worker
        self.keys = delegation.delegation_keys(rt, [*worker.escalation.approvers, *worker.escalation.backup])
        self.queued = 0
        self.taken: Read | None = None  # picked from the replies of a round trip the reads joined (`take`)

    def queue(self, pipe: Any) -> int:
        """Queue the reads on `pipe`; how many replies they take."""
        p = self.proposal
        if p.status == "pending":  # as `Notifier.precedents`: only a card waiting for a decision
            self.queued = precedent.queue_similar(
                pipe, self.rt.store.key, worker=p.worker, tool=p.tool, args=p.args
            )
        if self.keys:
            pipe.mget(self.keys)
        return self.queued + (1 if self.keys else 0)

    def take(self, replies: list[Any]) -> None:
        self.taken = self.pick(replies)

    def pick(self, replies: list[Any]) -> Read:
        found = precedent.pick(replies[: self.queued], exclude=self.proposal.id)
        return found, (replies[self.queued] if self.keys else [])


def card_reads(rt: Runtime, proposal: Proposal, worker: WorkerConfig) -> Read:
    """The card's precedents (none for a settled proposal) and the raw delegation records of every account
    its approver and backup entries cover (for `delegation.delegates_among`)."""
    reads = CardReads(rt, proposal, worker)
    with rt.redis.pipeline(transaction=False) as pipe:
        replies = pipe.execute() if reads.queue(pipe) else []
    return reads.pick(replies)
