"""Bounded agent work with a scripted model that floods: per-turn and per-mission tool-call caps, identical
proposals collapsing into one card, and token budgets enforced before every model turn."""

from __future__ import annotations

import pytest
from langchain_core.messages import ToolMessage

from bot.core import limits
from bot.core.config.models import Limits
from bot.core.models import Request
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService
from tests.support.scripted_model import call, turn


def ask(rt, text: str = "ESC-1042"):
    return (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=text))
        .mission
    )


def with_limits(rt, **values) -> None:
    worker = rt.workers["support-triage"]
    rt.workers["support-triage"] = worker.model_copy(update={"limits": Limits(**values)})


@pytest.fixture
def posts(rt, monkeypatch):
    """Every message and card posted on the console, in order."""
    messenger = rt.messengers.get("console")
    sent: list[dict] = []
    original = messenger.post

    def post(**kwargs):
        sent.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(messenger, "post", post)
    return sent


def reads(n: int, *, prefix: str) -> list[dict]:
    return [call("helpdesk__get_ticket", f"{prefix}{i}", ticket_id="1042") for i in range(n)]


def kinds(rt, mission_id: str) -> list[str]:
    return [e["kind"] for e in rt.audit.events() if e.get("mission") == mission_id]


def test_a_hundred_calls_in_one_turn_run_eight_and_say_so_once(rt, run_jobs, script, posts):
    model = script([turn("flood", *reads(100, prefix="f"), tokens=50), turn("Done reading.", tokens=20)])
    mission = ask(rt)
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "done" and model.i == 2
    assert kinds(rt, mission.id).count("tool.called") == 8
    answers = [m for m in model.seen[1] if isinstance(m, ToolMessage)]
    assert len(answers) == 100  # every call answered, as the provider requires
    assert sum(a.content.startswith("NOT RUN: at most 8 tool calls per step") for a in answers) == 92
    notes = [o for o in rt.store.observations(mission.id) if o.key == "t1-cap"]
    assert len(notes) == 1 and "asked for 100 tool calls in one step; only the first 8 ran" in notes[0].text
    thread = [p for p in posts if p["conversation"] == "C0SUPPORT"]
    assert len(thread) <= 1 + 2 + 8 + 1 + 1  # request ack, 2 model steps, 8 reads, the cap note, the verdict


def test_endless_flooding_turns_stop_at_the_mission_cap_with_one_note_then_the_verdict(
    rt, run_jobs, script, posts
):
    model = script([lambda _, i=i: turn("more", *reads(100, prefix=f"r{i}_"), tokens=10) for i in range(12)])
    mission = ask(rt)
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "failed" and model.i == 6  # 5 turns of 8 reach 40; the 6th turn's calls are refused
    assert kinds(rt, mission.id).count("tool.called") == 40
    assert kinds(rt, mission.id).count("tool.refused") == 8  # audited, never posted
    assert "Stopped: this mission asked for more than 40 tool calls, its limit" in done.verdict
    assert "@U0MANAGER can raise the limit" in done.verdict
    notes = [o for o in rt.store.observations(mission.id) if o.key == "agent-limit"]
    assert len(notes) == 1 and "Stopped before the next model step" in notes[0].text
    keys = [o.key for o in rt.store.observations(mission.id)]
    assert keys[-2:] == ["agent-limit", "verdict"]
    assert (
        len(posts) <= 1 + 6 * 2 + 40 + 2
    )  # ack, per turn (step + cap note), 40 reads, the note, the verdict


def test_ten_identical_write_calls_make_one_card_and_one_credit(rt, run_jobs, script, posts):
    with_limits(rt, tool_calls_per_turn=20)
    credit = [
        call("helpdesk__issue_credit", f"w{i}", account_id="ACME-7", amount=40, reason="ESC-1042 outage")
        for i in range(10)
    ]
    model = script([turn("Propose 40 (Entitlements 2.1 Gold).", *credit, tokens=40), turn("Credited 40.")])
    mission = ask(rt)
    run_jobs()
    parked = rt.store.mission(mission.id)
    assert parked.status == "awaiting_approval" and len(parked.proposals) == 1
    cards = [p for p in posts if p.get("card") is not None]
    assert len(cards) == 1
    assert kinds(rt, mission.id).count("proposal.created") == 1
    MissionService(rt).decide(parked.proposals[0], actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "done" and model.i == 2
    backend = HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock)
    assert [c["amount"] for c in backend.credits()] == [40.0]
    told = [m for m in model.seen[1] if isinstance(m, ToolMessage)]
    assert len(told) == 10 and all(m.content.startswith("APPROVED by U0OWNER1 and EXECUTED") for m in told)


def test_identical_auto_approved_calls_execute_once(rt, run_jobs, script):
    MissionService(rt).set_autonomy("support-triage", "autonomous", actor="U0MANAGER")
    credit = [
        call("helpdesk__issue_credit", f"a{i}", account_id="ACME-7", amount=30, reason="ESC-1042")
        for i in range(5)
    ]
    script([turn("Credit 30.", *credit), turn("Credited 30.")])
    mission = ask(rt)
    run_jobs()
    done = rt.store.mission(mission.id)
    backend = HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock)
    assert done.status == "done" and len(done.proposals) == 1
    assert [c["amount"] for c in backend.credits()] == [30.0]


def test_the_weekly_budget_stops_the_mission_at_the_next_turn(rt, run_jobs, script):
    with_limits(rt, weekly_token_budget=1000)
    counted: list[int] = []

    def second(_messages):
        counted.append(limits.tokens_this_week(rt, "support-triage"))  # turn 1 was counted before turn 2
        return turn("", *reads(1, prefix="b"), tokens=600)

    model = script([turn("", *reads(1, prefix="a"), tokens=600), second, turn("never asked", tokens=600)])
    mission = ask(rt)
    run_jobs()
    done = rt.store.mission(mission.id)
    assert counted == [600] and model.i == 2  # the third model call never happened
    assert limits.tokens_this_week(rt, "support-triage") == 1200 and done.tokens == 1200
    assert done.status == "failed"
    assert "Stopped: Support Triage has used its weekly model budget (1,200 of 1,000 tokens)" in done.verdict


def test_the_per_mission_token_cap_stops_the_mission(rt, run_jobs, script):
    with_limits(rt, tokens_per_mission=500)
    model = script([turn("", *reads(1, prefix=f"t{i}_"), tokens=300) for i in range(5)])
    mission = ask(rt)
    run_jobs()
    done = rt.store.mission(mission.id)
    assert model.i == 2 and done.status == "failed"
    assert "this mission has used 600 tokens, its limit is 500" in done.verdict


def test_a_model_that_reports_no_usage_is_still_counted(rt, run_jobs, script):
    with_limits(rt, tokens_per_mission=1)
    model = script([turn("", *reads(1, prefix="u")), turn("never asked")])
    mission = ask(rt)
    run_jobs()
    done = rt.store.mission(mission.id)
    assert model.i == 1 and done.tokens > 0 and limits.tokens_this_week(rt, "support-triage") == done.tokens
    assert done.status == "failed" and "tokens, its limit is 1" in done.verdict
