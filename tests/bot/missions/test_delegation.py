"""Delegation and away (bot/missions/delegation.py): a delegate decides on the delegator's authority until
the delegation ends (by `off` or by its date, also while a card waits); no chain; never on their own
mission; the escalation ladder skips someone away without a delegate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import app
from bot.core.cards import card_for
from bot.core.errors import BadRequest, NotAuthorized
from bot.missions import decisions, delegation, verbs
from bot.missions.digest import render, rollup
from bot.missions.digest.compute import compute
from bot.missions.escalation import Escalator
from bot.missions.service import MissionService
from tests.bot.missions.test_escalation import around_the_clock
from tests.support.approvals import events, parked
from tests.support.clock import Clock, clocked_runtime
from tests.support.redis_server import drain


@pytest.fixture
def clock(settings, redis):
    clk = Clock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    clk.rt = clocked_runtime(settings, redis, clk)
    around_the_clock(clk.rt)
    yield clk
    app.install(None)


def say(rt, text: str, *, user: str) -> str:
    service = MissionService(rt)
    return verbs.answer(service, verbs.parse(text), user=user, channel="C0SUPPORT", help_text="help")


def test_a_delegate_decides_on_behalf_until_the_delegation_ends_mid_card(clock):
    rt = clock.rt
    assert "until 2026-12-24" in say(rt, "delegate <@U0BOB|bob> until 2026-12-24", user="U0OWNER1")
    assert "on behalf of @U0OWNER1" in say(rt, "delegations", user="U0BOB")
    pid, waiting = parked(rt, lambda: drain(rt)), parked(rt, lambda: drain(rt))
    assert {p.id for p in decisions.pending_for(rt, "U0BOB")} == {pid, waiting}
    assert [c.conversation for c in rt.store.proposal(pid).cards] == ["C0APPROVALS", "U0BOB"]  # a DM copy
    decided = decisions.decide(rt, pid, actor="U0BOB", approve=True, platform="slack")
    assert (decided.decided_by, decided.decided_for) == ("U0BOB", "U0OWNER1")
    assert "on behalf of @U0OWNER1" in card_for(decided, rt.worker("support-triage")).progress
    [event] = events(rt, pid)
    assert event["data"]["on_behalf_of"] == "U0OWNER1"
    kinds = [e["kind"] for e in rt.audit.events() if e["kind"].startswith("delegation.")]
    assert kinds == ["delegation.created", "delegation.used"]
    clock.advance(days=24)  # 2026-12-25: the delegation ended while the other card waited
    with pytest.raises(NotAuthorized):
        decisions.decide(rt, waiting, actor="U0BOB", approve=True, platform="slack")
    assert decisions.pending_for(rt, "U0BOB") == [] and "No delegations" in say(
        rt, "delegations", user="U0BOB"
    )
    clock.now = datetime(2026, 12, 2, tzinfo=UTC)
    assert say(rt, "delegate off", user="U0OWNER1").startswith("Delegation ended")
    assert [e["kind"] for e in rt.audit.events()][-1] == "delegation.ended"


def test_no_chain_no_self_and_never_on_their_own_mission(clock):
    rt = clock.rt
    say(rt, "delegate U0AGENT until 2026-12-24", user="U0OWNER1")
    with pytest.raises(BadRequest, match="does not chain"):
        say(rt, "delegate U0CAROL until 2026-12-24", user="U0AGENT")  # a delegate lends nothing on
    with pytest.raises(BadRequest, match="does not chain"):
        say(rt, "delegate U0OWNER1 until 2026-12-24", user="U0OWNER2")  # to someone who delegated
    with pytest.raises(BadRequest, match="yourself"):
        say(rt, "delegate U0OWNER2 until 2026-12-24", user="U0OWNER2")
    with pytest.raises(BadRequest, match="YYYY-MM-DD"):
        say(rt, "delegate U0OWNER1 until tomorrow", user="U0OWNER2")
    with pytest.raises(BadRequest, match="has passed"):
        say(rt, "away until 2026-11-01", user="U0OWNER2")
    pid = parked(rt, lambda: drain(rt))  # U0AGENT asked for it
    with pytest.raises(NotAuthorized, match="four-eyes"):
        decisions.decide(rt, pid, actor="U0AGENT", approve=True, platform="slack")
    assert delegation.delegators_of(rt, "U0AGENT")[0].delegator == "U0OWNER1"


def test_the_ladder_skips_away_approvers_without_a_delegate(clock):
    rt = clock.rt
    say(rt, "away until 2026-12-24", user="U0OWNER2")
    say(rt, "away until 2026-12-24", user="U0LEAD")
    pid = parked(rt, lambda: drain(rt))
    esc = Escalator(rt)
    clock.advance(minutes=31)
    esc.sweep()
    reminder = [m for m in rt.messengers.get("console").read() if m[1]["op"] == "post"][-1][1]["text"]
    assert "@U0OWNER1" in reminder and "@U0OWNER2" not in reminder
    clock.advance(minutes=31)
    assert [s.step for s in esc.sweep()] == ["rerouted"]
    assert [c.conversation for c in rt.store.proposal(pid).cards] == ["C0APPROVALS"]  # U0LEAD is away


def test_the_digest_shows_who_decided_for_whom_from_the_stream_and_the_rollups(clock):
    rt = clock.rt
    say(rt, "delegate U0BOB until 2026-12-24", user="U0OWNER1")
    for _ in range(2):
        decisions.decide(rt, parked(rt, lambda: drain(rt)), actor="U0BOB", approve=True, platform="slack")
    decisions.decide(rt, parked(rt, lambda: drain(rt)), actor="U0OWNER2", approve=True, platform="slack")
    clock.advance(hours=2)
    end = rt.clock()
    rollup.fold(rt)
    assert rollup.read(rt, "support-triage", start=end - timedelta(days=56), end=end) is not None
    for digest in (
        compute(rt, "support-triage", end=end),
        compute(rt, "support-triage", end=end, rollups=False),
    ):
        assert digest.delegated == [("U0BOB", "U0OWNER1", 2)]
        assert "Decided on behalf of others (delegations used): @U0BOB for @U0OWNER1 2" in render.text(digest)
