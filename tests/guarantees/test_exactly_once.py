"""An approved proposal executes once: concurrent clicks, repeated jobs and concurrent executors."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.core.errors import AlreadyDecided
from bot.core.models import Request
from bot.core.queueing import enqueue_execution
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.execution import Executor
from bot.missions.runner import MissionRunner
from bot.missions.service import MissionService
from jobs.actions import execute_proposal


def parked_proposal(rt, run_jobs) -> str:
    mission = (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042"))
        .mission
    )
    run_jobs()
    return rt.store.mission(mission.id).proposals[0]


def credits(rt) -> list[dict]:
    return HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()


def test_a_burst_of_concurrent_approvals_yields_one_decision_and_one_execution(rt, run_jobs):
    pid = parked_proposal(rt, run_jobs)
    svc = MissionService(rt)
    approvers = ["U0OWNER1", "U0OWNER2", "U0LEAD"] * 8

    def click(user: str) -> str:
        try:
            svc.decide(pid, actor=user, approve=True, platform="console")
            return "won"
        except AlreadyDecided:
            return "lost"

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(click, approvers))
    assert results.count("won") == 1 and results.count("lost") == len(approvers) - 1
    assert not enqueue_execution(
        rt, pid
    )  # the execution job id is derived from the work: a duplicate is refused
    run_jobs()
    assert execute_proposal(pid) == "executed"  # a retried job is a no-op
    assert len(credits(rt)) == 1
    decisions = [e for e in rt.audit.events() if e["kind"].startswith("decision.") and e["proposal"] == pid]
    assert len(decisions) == 1


def test_concurrent_executors_issue_one_credit(rt, run_jobs):
    pid = parked_proposal(rt, run_jobs)
    rt.store.mutate_proposal(
        pid, lambda p: p.model_copy(update={"status": "approved", "decided_by": "U0OWNER1"})
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: Executor(rt).execute(pid).status, range(8)))
    assert set(statuses) <= {"executed", "executing"}
    assert len(credits(rt)) == 1
    assert rt.store.proposal(pid).status == "executed"


def test_an_execution_interrupted_after_the_effect_does_not_repeat_it(rt, run_jobs):
    """A worker that died after the tool ran but before recording it: the retry replays the key."""
    pid = parked_proposal(rt, run_jobs)
    rt.store.mutate_proposal(
        pid, lambda p: p.model_copy(update={"status": "executing", "decided_by": "U0OWNER1"})
    )
    backend = HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock)
    backend.issue_credit(account_id="ACME-7", amount=40.0, reason="first attempt", idempotency_key=pid)
    assert execute_proposal(pid) == "executed"
    assert len(credits(rt)) == 1 and rt.store.proposal(pid).result["replayed"] is True


def test_a_burst_of_approvals_racing_the_missions_close_executes_at_most_once_and_never_after_it(
    rt, run_jobs
):
    pid = parked_proposal(rt, run_jobs)
    svc = MissionService(rt)
    mission_id = rt.store.proposal(pid).mission_id

    def act(who: str) -> str:
        if who == "close":
            MissionRunner(rt).close(rt.store.mission(mission_id), status="failed", text="failed")
            return "closed"
        try:
            svc.decide(pid, actor=who, approve=True, platform="console")
            Executor(rt).execute(pid)  # the execution job, at once
            return "won"
        except AlreadyDecided:
            return "lost"

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(act, ["U0OWNER1", "U0OWNER2", "U0LEAD", "close"] * 3))
    run_jobs()
    final = rt.store.proposal(pid)
    assert results.count("won") <= 1 and final.status in {"executed", "closed"}
    assert len(credits(rt)) == (1 if final.status == "executed" else 0)
    assert rt.store.mission(mission_id).status == "failed"
