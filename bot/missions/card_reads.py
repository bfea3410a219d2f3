"""What a new card reads before it is posted, in one round trip: how similar proposals were decided (its
precedent line, bot/core/precedent.py) and whether its approvers delegated (bot/missions/delegation.py).
Two reads that each used to be a round trip of their own on every mission that proposes."""

from __future__ import annotations

from bot.core import precedent
from bot.core.config.models import WorkerConfig
from bot.core.models import Proposal
from bot.core.precedent import Precedent
from bot.core.runtime import Runtime
from bot.missions import delegation


def card_reads(
    rt: Runtime, proposal: Proposal, worker: WorkerConfig
) -> tuple[list[Precedent], list[bytes | None]]:
    """The card's precedents (none for a settled proposal) and the raw delegation records of every account
    its approver and backup entries cover (for `delegation.delegates_among`)."""
    keys = delegation.delegation_keys(rt, [*worker.escalation.approvers, *worker.escalation.backup])
    with rt.redis.pipeline(transaction=False) as pipe:
        queued = 0
        if proposal.status == "pending":  # as `Notifier.precedents`: only a card waiting for a decision
            queued = precedent.queue_similar(
                pipe, rt.store.key, worker=proposal.worker, tool=proposal.tool, args=proposal.args
            )
        if keys:
            pipe.mget(keys)
        replies = pipe.execute() if queued or keys else []
    return precedent.pick(replies[:queued], exclude=proposal.id), (replies[queued] if keys else [])
