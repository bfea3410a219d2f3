"""`escalation.on_expiry`: what happens to a proposal nobody decided in time (fail is in test_escalation)."""

from __future__ import annotations

import pytest

from bot.core.errors import NotAuthorized
from bot.missions.escalation import Escalator
from bot.missions.service import MissionService
from tests.bot.missions.test_escalation import clock, kinds, park  # noqa: F401 (a fixture)
from tests.support.redis_server import drain


def on_expiry(rt, choice: str) -> None:
    config = rt.workers["support-triage"]
    rt.workers["support-triage"] = config.model_copy(
        update={"escalation": config.escalation.model_copy(update={"on_expiry": choice})}
    )


def test_keep_pending_never_expires_and_can_still_be_approved(clock):  # noqa: F811
    rt = clock.rt
    on_expiry(rt, "keep_pending")
    pid = park(rt, lambda: drain(rt))
    esc = Escalator(rt)
    steps = []
    for _ in range(4):
        clock.advance(minutes=1440)
        steps += [s.step for s in esc.sweep()]
    assert steps == ["reminded", "rerouted"] and rt.store.proposal(pid).status == "pending"
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    drain(rt)
    assert rt.store.proposal(pid).status == "executed"
    assert rt.store.mission(rt.store.proposal(pid).mission_id).status == "done"


def escalating(clock):  # noqa: F811
    on_expiry(clock.rt, "escalate_to_owner")
    return park(clock.rt, lambda: drain(clock.rt)), Escalator(clock.rt)


def test_escalate_to_owner_sends_the_card_to_the_owner_who_may_then_decide(clock):  # noqa: F811
    rt = clock.rt
    pid, esc = escalating(clock)
    clock.advance(minutes=61)
    esc.sweep()
    esc.sweep()
    with pytest.raises(NotAuthorized):  # not the owner's to decide before the escalation
        MissionService(rt).check_decidable(pid, actor="U0MANAGER")
    clock.advance(minutes=1440)
    assert [s.step for s in esc.sweep()] == ["to_owner"]
    p = rt.store.proposal(pid)
    assert p.status == "pending" and "escalated to the owner @U0MANAGER" in p.escalation_note
    assert "U0MANAGER" in [c.conversation for c in p.cards]
    assert kinds(rt, pid) == ["escalation.reminded", "escalation.rerouted", "escalation.to_owner"]
    MissionService(rt).decide(pid, actor="U0MANAGER", approve=True, platform="console")
    drain(rt)
    assert rt.store.proposal(pid).status == "executed"


def test_escalate_to_owner_expires_after_the_owners_window_and_fails_the_mission(clock):  # noqa: F811
    rt = clock.rt
    pid, esc = escalating(clock)
    clock.advance(minutes=1441)
    assert "to_owner" in [s.step for s in esc.sweep()]
    clock.advance(minutes=1440)
    assert [s.step for s in esc.sweep()] == ["expired"]
    drain(rt)
    mission = rt.store.mission(rt.store.proposal(pid).mission_id)
    assert mission.status == "failed" and "expired, no decision" in mission.verdict
