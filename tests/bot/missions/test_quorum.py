"""Quorum (bot/core/policy/quorum.py, applied in bot/missions/decisions.py): N distinct people approve;
the requester never counts; one person counts once; one rejection ends it; the card shows progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import app
from bot.core.cards import card_for
from bot.core.errors import AlreadyDecided, Halted, NotAuthorized
from bot.missions import decisions, kill_switch
from bot.missions.digest.compute import compute
from bot.platforms.console.text import render_card
from tests.support.approvals import define_groups, events, parked, reconfigure
from tests.support.clock import Clock, clocked_runtime
from tests.support.redis_server import drain


@pytest.fixture
def two(rt):
    reconfigure(rt, tool={"approvals_required": 2})
    return rt


def test_two_people_approve_then_it_executes_once(two, run_jobs):
    rt = two
    pid = parked(rt, run_jobs)
    first = decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack")
    assert first.status == "pending" and [a.actor for a in first.approvals] == ["U0OWNER1"]
    card = card_for(first, rt.worker(first.worker))
    assert card.progress == "1 of 2 approvals: @U0OWNER1" and card.open
    assert "1 of 2 approvals: @U0OWNER1" in render_card(card)
    with pytest.raises(NotAuthorized, match="already approved"):
        decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(pid).status == "pending"  # one approval executes nothing
    final = decisions.decide(rt, pid, actor="U0LEAD", approve=True, platform="teams")
    assert (final.status, final.decided_by) == ("approved", "U0LEAD")
    run_jobs()
    assert rt.store.proposal(pid).status == "executed"
    [decision] = events(rt, pid)  # the digest's one decision, at full approval
    assert decision["kind"] == "decision.approved"
    assert [a["actor"] for a in decision["data"]["approvals"]] == ["U0OWNER1", "U0LEAD"]
    assert [e["actor"] for e in events(rt, pid, "quorum.")] == ["U0OWNER1"]
    assert card_for(rt.store.proposal(pid), rt.worker("support-triage")).progress == (
        "2 of 2 approvals: @U0OWNER1, @U0LEAD"
    )


def test_one_person_counts_once_across_linked_accounts(two, run_jobs):
    rt = two
    rt.people.learn_email(account="U0OWNER1", email="o1@example.com")
    rt.people.learn_email(account="U0LEAD", email="o1@example.com")  # the same person, another account
    pid = parked(rt, run_jobs)
    decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack")
    with pytest.raises(NotAuthorized, match="already approved"):
        decisions.decide(rt, pid, actor="U0LEAD", approve=True, platform="slack")
    assert decisions.pending_for(rt, "U0LEAD") == []


def test_the_requester_never_counts_even_where_self_approval_is_allowed(rt, run_jobs):
    reconfigure(rt, tool={"approvals_required": 2}, escalation={"allow_self_approval": True})
    pid = parked(rt, run_jobs, requester="U0OWNER1")
    with pytest.raises(NotAuthorized, match="four-eyes"):
        decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack")


def test_a_single_rejection_ends_it(two, run_jobs):
    rt = two
    pid = parked(rt, run_jobs)
    decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack")
    rejected = decisions.decide(
        rt, pid, actor="U0OWNER2", approve=False, platform="slack", reason_code="wrong_amount"
    )
    assert rejected.status == "rejected"
    assert card_for(rejected, rt.worker("support-triage")).status_line == "Rejected"
    run_jobs()
    assert rt.store.proposal(pid).status == "rejected"


def test_from_groups_needs_one_approval_from_each(rt, run_jobs):
    define_groups(rt, finance={"slack": ["U0FIN1", "U0FIN2"]}, support_leads={"slack": ["U0LEAD"]})
    reconfigure(
        rt,
        escalation={"approvers": ["@finance", "@support-leads"], "backup": []},
        tool={"approvals_required": 2, "from_groups": ["finance", "support-leads"]},
    )
    pid = parked(rt, run_jobs)
    first = decisions.decide(rt, pid, actor="U0FIN1", approve=True, platform="slack")
    assert first.approvals[0].slot == "@finance" and first.approvals[0].via == "@finance"
    assert "still needed from @support-leads" in card_for(first, rt.worker(first.worker)).progress
    with pytest.raises(NotAuthorized, match="still waiting for: @support-leads"):
        decisions.decide(rt, pid, actor="U0FIN2", approve=True, platform="slack")
    final = decisions.decide(rt, pid, actor="U0LEAD", approve=True, platform="slack")
    assert final.status == "approved" and [a.slot for a in final.approvals] == ["@finance", "@support-leads"]


def test_the_kill_switch_stops_a_half_approved_quorum(two, run_jobs):
    rt = two
    pid = parked(rt, run_jobs)
    decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack")
    kill_switch.pull(rt, "support-triage", actor="U0MANAGER")
    with pytest.raises((Halted, AlreadyDecided)):  # the pull halts the pending proposal
        decisions.decide(rt, pid, actor="U0OWNER2", approve=True, platform="slack")
    assert rt.store.proposal(pid).status == "halted"


def test_the_digest_counts_a_quorum_once_with_its_time_to_full_approval(settings, redis):
    clock = Clock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    rt = clocked_runtime(settings, redis, clock)
    try:
        reconfigure(rt, tool={"approvals_required": 2})
        pid = parked(rt, lambda: drain(rt))
        clock.advance(minutes=5)
        decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack")
        clock.advance(minutes=15)
        decisions.decide(rt, pid, actor="U0OWNER2", approve=True, platform="slack")
        week = compute(rt, "support-triage", end=clock.now + timedelta(minutes=1)).current
        assert (week.approved, week.rejected) == (1, 0)
        assert week.decision_seconds == [1200.0]  # to the second, full approval
    finally:
        app.install(None)
