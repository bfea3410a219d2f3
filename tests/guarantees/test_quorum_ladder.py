"""Quorum with the rest of the approval machinery: a half-approved quorum still expires (a late approval
then changes nothing), and the card's copies on two platforms show the progress and the final decision,
which executes once whichever platform gave each approval."""

from __future__ import annotations

import pytest

from bot.core.errors import AlreadyDecided, NotAuthorized
from bot.missions import decisions
from bot.missions.escalation import Escalator
from tests.bot.missions.test_escalation import clock, park  # noqa: F401 (a fixture)
from tests.guarantees.test_exactly_once import credits
from tests.support.approvals import parked, reconfigure
from tests.support.redis_server import drain
from tests.support.teams_harness import APPROVALS, teams_runtime


def test_a_half_approved_quorum_expires_and_a_late_approval_changes_nothing(clock):  # noqa: F811
    rt = clock.rt
    reconfigure(rt, tool={"approvals_required": 2})
    pid = park(rt, lambda: drain(rt))
    assert decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack").status == "pending"
    esc, steps = Escalator(rt), []
    for _ in range(4):
        clock.advance(minutes=1440)
        steps += [s.step for s in esc.sweep()]
    assert steps[-1] == "expired" and rt.store.proposal(pid).status == "expired"
    with pytest.raises((AlreadyDecided, NotAuthorized)):
        decisions.decide(rt, pid, actor="U0LEAD", approve=True, platform="slack")
    drain(rt)
    mission = rt.store.mission(rt.store.proposal(pid).mission_id)
    assert rt.store.proposal(pid).status == "expired" and mission.status == "failed" and credits(rt) == []


def test_the_copies_on_two_platforms_follow_a_quorum_and_it_executes_once(rt, teams_connector):
    rt = teams_runtime(rt, teams_connector, approvals_channels={"console": "C0APPROVALS", "teams": APPROVALS})
    reconfigure(rt, tool={"approvals_required": 2})
    rt.redis.set(rt.store.key("teams", "service_url"), teams_connector.url)  # as the bot's install told it
    pid = parked(rt, lambda: drain(rt))
    assert sorted(c.platform for c in rt.store.proposal(pid).cards) == ["console", "teams"]
    decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="teams")
    drain(rt)
    assert "1 of 2 approvals" in str(teams_connector.updates()[-1].body)
    decisions.decide(rt, pid, actor="U0LEAD", approve=True, platform="console")
    drain(rt)
    assert rt.store.proposal(pid).status == "executed" and len(credits(rt)) == 1
    assert "2 of 2 approvals" in str(teams_connector.updates()[-1].body)
