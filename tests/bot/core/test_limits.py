"""Limits: missions per hour and the weekly token budget at submit; concurrency with RQ's RateLimit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rq.rate_limit import RateLimitRegistry

from bot.core import limits
from bot.core.config.models import Limits
from bot.core.models import Request
from bot.missions.service import MissionService


def ask(rt, text: str = "ESC-1042"):
    return MissionService(rt).submit(
        Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=text)
    )


def with_limits(rt, **values):
    worker = rt.workers["support-triage"]
    rt.workers["support-triage"] = worker.model_copy(update={"limits": Limits(**values)})


def test_missions_per_hour_refuses_with_the_time_to_try_again(rt):
    now = [datetime(2026, 3, 2, 9, 15, tzinfo=UTC)]
    rt.clock = lambda: now[0]
    with_limits(rt, missions_per_hour=2)
    assert ask(rt).mission and ask(rt).mission
    now[0] += timedelta(minutes=20)
    refused = ask(rt)
    assert refused.mission is None and "try again at 10:16 UTC" in refused.text
    assert len(rt.store.missions_of("support-triage")) == 2  # nothing was created
    now[0] += timedelta(minutes=41)  # the first submission left the hour window
    assert ask(rt).mission is not None


def test_weekly_token_budget_refuses_new_missions_once_spent(rt):
    rt.clock = lambda: datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday
    with_limits(rt, weekly_token_budget=1000)
    limits.add_tokens(rt, "support-triage", 999)
    assert ask(rt).mission is not None
    limits.add_tokens(rt, "support-triage", 1)
    refused = ask(rt)
    assert refused.mission is None and "weekly model budget (1,000 of 1,000 tokens)" in refused.text
    assert "Monday 09 Mar at 00:00 UTC" in refused.text
    rt.clock = lambda: datetime(2026, 3, 9, 0, 1, tzinfo=UTC)  # a new week, a new budget
    assert ask(rt).mission is not None


def test_concurrency_holds_extra_mission_jobs_in_rqs_rate_limit(rt, run_jobs):
    with_limits(rt, concurrency=2)
    missions = [ask(rt).mission for _ in range(5)]
    registry = RateLimitRegistry(
        key=limits.mission_rate_limit(rt, rt.workers["support-triage"]).key, connection=rt.redis
    )
    assert len(rt.missions_queue) == 2 and registry.get_rate_limited_job_count() == 3
    run_jobs()  # each finished job lets the next one through
    assert {rt.store.mission(m.id).status for m in missions} == {"awaiting_approval"}


def test_tool_calls_are_admitted_by_step_key_up_to_the_cap_atomically(rt):
    from concurrent.futures import ThreadPoolExecutor

    keys = [f"t1-c{i}" for i in range(20)]
    with ThreadPoolExecutor(8) as pool:
        admitted = list(pool.map(lambda k: limits.admit_tool_call(rt, "M1", k, cap=5), keys))
    assert sum(admitted) == 5 and limits.tool_calls_capped(rt, "M1")
    first = keys[admitted.index(True)]
    assert limits.admit_tool_call(rt, "M1", first, cap=5)  # a retried step is admitted again
    assert not limits.admit_tool_call(rt, "M1", "t2-new", cap=5)
    assert limits.admit_tool_call(rt, "M2", "t1-c0", cap=5) and not limits.tool_calls_capped(rt, "M2")


def test_turn_refusal_names_the_budget_that_is_spent(rt):
    with_limits(rt, weekly_token_budget=1000, tokens_per_mission=300)
    worker = rt.workers["support-triage"]
    assert limits.turn_refusal(rt, worker, mission_id="M1", mission_tokens=299) is None
    assert "its limit is 300" in limits.turn_refusal(rt, worker, mission_id="M1", mission_tokens=300)
    limits.add_tokens(rt, "support-triage", 1000)
    assert "weekly model budget (1,000 of 1,000 tokens)" in limits.turn_refusal(
        rt, worker, mission_id="M1", mission_tokens=0
    )
