"""An approval with changes races a plain one on each of 60 proposals (threads, real Redis), then real RQ
workers run them: each proposal executes once, with the arguments of the decision that won. Under a quorum,
a plain approval of the card as it was shown before the edit never counts toward the edited arguments."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from bot.core.card_edits import STALE
from bot.core.config.tools import BuiltinIntegration, EditBounds
from bot.core.errors import AlreadyDecided, BadRequest
from bot.core.models import Request
from bot.missions import decisions
from bot.missions.service import MissionService
from tests.guarantees.test_exactly_once import credits
from tests.support.approvals import WORKER, reconfigure

PROPOSALS = 60


def in_process(rt) -> None:
    """The in-process helpdesk: many missions without an MCP subprocess each."""
    worker = rt.workers[WORKER]
    rt.workers[WORKER] = worker.model_copy(
        update={
            "integrations": {"helpdesk": BuiltinIntegration(transport="builtin", module="helpdesk")},
            "limits": worker.limits.model_copy(update={"missions_per_hour": 1000, "concurrency": 1000}),
        }
    )


def test_an_edited_approval_racing_a_plain_one_executes_once_with_the_winner(rt, run_jobs):
    reconfigure(rt, tool={"editable": {"amount": EditBounds(gte=0, lte=250)}})
    in_process(rt)
    service = MissionService(rt)
    requests = [
        Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=f"ESC-1042 #{i}")
        for i in range(PROPOSALS)
    ]
    missions = [service.submit(r).mission.id for r in requests]
    run_jobs()
    pids = [rt.store.mission(m).proposals[0] for m in missions]
    races = [(pid, who) for pid in pids for who in ("U0OWNER1", "U0OWNER2")]
    random.Random(16).shuffle(races)

    def approve(job: tuple[str, str]) -> tuple[str, str, float | None]:
        pid, who = job
        changes = {"amount": "30"} if who == "U0OWNER2" else None  # OWNER2 edits, OWNER1 approves as is
        try:
            p = decisions.decide(rt, pid, actor=who, approve=True, platform="slack", edits=changes)
        except (AlreadyDecided, BadRequest):  # BadRequest: the edit was checked against a decided card
            return pid, "lost", None
        return pid, who, p.args["amount"]

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(approve, races))
    winners = {pid: (who, amount) for pid, who, amount in results if who != "lost"}
    assert len(winners) == PROPOSALS and sum(who == "lost" for _, who, _ in results) == PROPOSALS
    assert {amount for who, amount in winners.values() if who == "U0OWNER2"} <= {30.0}
    assert {amount for who, amount in winners.values() if who == "U0OWNER1"} <= {40.0}
    run_jobs()
    assert {rt.store.proposal(pid).status for pid in pids} == {"executed"}
    issued = credits(rt)
    assert len(issued) == PROPOSALS  # one execution per proposal
    assert sorted(c["amount"] for c in issued) == sorted(amount for _, amount in winners.values())
    for pid, (who, amount) in winners.items():  # what ran is what the winning decision recorded
        p = rt.store.proposal(pid)
        assert (p.decided_by, p.args["amount"], p.original_args is not None) == (
            who,
            amount,
            who == "U0OWNER2",
        )


def test_under_a_quorum_a_plain_approval_racing_an_edit_never_counts_for_the_edited_arguments(rt, run_jobs):
    """Quorum 2: OWNER1 approves the card as shown (version 0) while OWNER2 approves it with changes. Either
    order ends the same: OWNER1's approval is dropped by the edit or refused as stale, so the proposal waits
    with OWNER2's approval of the edited arguments only; OWNER1's approval of the new card runs them once."""
    reconfigure(rt, tool={"editable": {"amount": EditBounds(gte=0, lte=250)}, "approvals_required": 2})
    in_process(rt)
    service = MissionService(rt)
    missions = [
        service.submit(
            Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=f"ESC-1042 #{i}")
        ).mission.id
        for i in range(PROPOSALS // 2)
    ]
    run_jobs()
    pids = [rt.store.mission(m).proposals[0] for m in missions]
    races = [(pid, who) for pid in pids for who in ("U0OWNER1", "U0OWNER2")]
    random.Random(17).shuffle(races)

    def approve(job: tuple[str, str]) -> str:
        pid, who = job
        changes = {"amount": "30"} if who == "U0OWNER2" else None
        try:
            decisions.decide(
                rt, pid, actor=who, approve=True, platform="slack", edits=changes, seen_version=0
            )
        except BadRequest as err:
            return str(err)
        return "counted"

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(approve, races))
    assert set(answers) <= {"counted", STALE}
    for pid in pids:
        p = rt.store.proposal(pid)
        assert (p.status, p.args["amount"], p.args_version) == ("pending", 30.0, 1)
        assert [a.actor for a in p.approvals] == ["U0OWNER2"]  # never OWNER1's approval of 40
    for pid in pids:
        decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack", seen_version=1)
    run_jobs()
    assert {rt.store.proposal(pid).status for pid in pids} == {"executed"}
    assert sorted(c["amount"] for c in credits(rt)) == [30.0] * len(pids)  # once each, the edited amount
