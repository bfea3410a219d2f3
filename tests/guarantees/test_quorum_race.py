"""Quorum executes once: the final approvals of 200 two-approval proposals race (two approvers each, in
threads), and real RQ workers on real Redis then run exactly one execution per proposal."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

from bot.core.config.tools import BuiltinIntegration
from bot.core.errors import AlreadyDecided
from bot.core.models import Request
from bot.missions import decisions
from bot.missions.service import MissionService
from tests.guarantees.test_exactly_once import credits
from tests.support.approvals import WORKER, reconfigure

PROPOSALS = int(__import__("os").environ.get("QUORUM_RACE_N", "200"))


def _request(i: int) -> Request:
    return Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=f"ESC-1042 #{i}")


def test_the_final_approvals_of_200_quorums_race_and_each_executes_once(rt, run_jobs):
    # 200 credits to one account: each moves the preview guard of the next, which would be asked again
    # (tests/bot/missions/test_preview.py); this test is about the quorum race alone.
    reconfigure(rt, tool={"approvals_required": 2, "preview": None})
    worker = rt.workers[WORKER]  # in-process helpdesk: 200 missions without 200 MCP subprocesses
    rt.workers[WORKER] = worker.model_copy(
        update={
            "integrations": {"helpdesk": BuiltinIntegration(transport="builtin", module="helpdesk")},
            "limits": worker.limits.model_copy(update={"missions_per_hour": 1000, "concurrency": 1000}),
        }
    )
    service = MissionService(rt)
    missions = [service.submit(_request(i)).mission.id for i in range(PROPOSALS)]
    run_jobs()
    pids = [rt.store.mission(m).proposals[0] for m in missions]
    for pid in pids:
        decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack")
    finals = [(pid, who) for pid in pids for who in ("U0OWNER2", "U0LEAD")]
    random.Random(7).shuffle(finals)

    def approve(job: tuple[str, str]) -> str:
        pid, who = job
        try:
            return decisions.decide(rt, pid, actor=who, approve=True, platform="slack").status
        except AlreadyDecided:
            return "lost"

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(approve, finals))
    assert results.count("approved") == PROPOSALS and results.count("lost") == PROPOSALS
    run_jobs()
    assert {rt.store.proposal(pid).status for pid in pids} == {"executed"}
    assert len(credits(rt)) == PROPOSALS
    decided = [e for e in rt.audit.events() if e["kind"].startswith("decision.")]  # read once: 200 cases
    assert sorted(e["proposal"] for e in decided) == sorted(pids)
    assert {(e["kind"], len(e["data"]["approvals"])) for e in decided} == {("decision.approved", 2)}
