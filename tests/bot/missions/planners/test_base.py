"""The Planner interface: a planner only advances a Session and says Parked or Finished; the runner does the
rest (closing with a verdict built from the store, or parking on approval).
Any object with `advance` will do."""

from __future__ import annotations

import dataclasses

import pytest

from bot.core.defang import trusted
from bot.core.models import Request
from bot.missions.planners.base import Finished, Parked, Planner
from bot.missions.planners.playbook import PlaybookPlanner
from bot.missions.runner import MissionRunner
from bot.missions.service import MissionService
from bot.missions.session import Session


class OneStep:
    """A planner that reads one ticket and then finishes, parks or fails as told."""

    def __init__(self, result: Parked | Finished) -> None:
        self.result = result
        self.sessions: list[Session] = []

    def advance(self, session: Session) -> Parked | Finished:
        self.sessions.append(session)
        session.call("r1", "helpdesk.get_ticket", {"ticket_id": "1042"})
        return self.result


def run_with(rt, agent_worker, planner: Planner) -> str:
    rt.planner_factory = lambda runtime, mission: planner
    mission = (
        MissionService(rt)
        .create(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042"))
        .mission
    )
    MissionRunner(rt).run(mission.id)
    return mission.id


def test_a_finished_planner_closes_the_mission_with_its_words_and_the_facts(rt, agent_worker):
    planner = OneStep(Finished(verdict=trusted("Read the ticket; nothing to propose.")))
    mission = rt.store.mission(run_with(rt, agent_worker, planner))
    assert mission.status == "done" and planner.sessions[0].mission.id == mission.id
    assert mission.verdict.startswith(
        f"☑️ Verdict for mission {mission.id}: Done.\nRead the ticket; nothing to propose."
    )


def test_a_failed_finish_fails_the_mission(rt, agent_worker):
    mission = rt.store.mission(run_with(rt, agent_worker, OneStep(Finished(verdict=None, failed=True))))
    assert mission.status == "failed" and "Failed." in mission.verdict


def test_a_parked_planner_leaves_the_mission_awaiting_approval(rt, agent_worker):
    mission = rt.store.mission(run_with(rt, agent_worker, OneStep(Parked())))
    assert mission.status == "awaiting_approval" and mission.verdict is None


def test_outcomes_are_frozen_values_and_the_playbook_is_a_planner():
    assert Finished() == Finished(verdict=None, failed=False) and Parked() == Parked()
    with pytest.raises(dataclasses.FrozenInstanceError):
        Finished().failed = True  # type: ignore[misc]
    planner: Planner = PlaybookPlanner()
    assert callable(planner.advance)
