"""A new card's reads (bot/missions/card_reads.py): its precedents and its approvers' delegations, read
together, give what `precedent.similar` and the delegation records give one by one (real Redis)."""

from __future__ import annotations

from datetime import timedelta

from bot.core import precedent
from bot.core.models import Proposal
from bot.missions import delegation
from bot.missions.card_reads import card_reads
from tests.bot.core.test_precedent import TOOL, WORKER, history

ARGS = {"account_id": "ACME-7", "amount": 40.0}


def proposal(rt, **update) -> Proposal:
    made = Proposal(
        id="M-NEW-s5",
        mission_id="M-NEW",
        worker=WORKER,
        tool=TOOL,
        args=ARGS,
        tier="write",
        requester="U0ALICE",
        created_at=rt.clock(),
    )
    return made.model_copy(update=update)


def test_precedents_and_delegations_read_together_as_each_alone(rt):
    history(rt, [(ARGS, "approved", None), (ARGS, "rejected", "wrong_amount")])
    delegation.delegate(rt, actor="U0OWNER2", to="U0BOB", until=rt.clock() + timedelta(days=2))
    worker = rt.worker(WORKER)
    found, raws = card_reads(rt, proposal(rt), worker)
    alone = precedent.similar(rt.redis, rt.store.key, worker=WORKER, tool=TOOL, args=ARGS, exclude="M-NEW-s5")
    assert found == alone and [p.outcome for p in found] == ["rejected", "approved"]
    assert delegation.delegates_among(rt, raws, requester="U0ALICE") == ["U0BOB"]
    assert delegation.delegates_among(rt, raws, requester="U0BOB") == []  # never the mission's requester


def test_a_settled_card_shows_no_precedent_and_no_delegation_reads_as_none(rt):
    history(rt, [(ARGS, "approved", None)])
    found, raws = card_reads(rt, proposal(rt, status="approved"), rt.worker(WORKER))
    assert found == [] and delegation.delegates_among(rt, raws, requester="U0ALICE") == []
