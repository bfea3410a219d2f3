"""The kill switch in one module (bot/missions/kill_switch.py): pull, release, the sweep, and the one check
that the runner, the session, the executor and a decision ask before they act."""

from __future__ import annotations

import pytest

from bot.core.errors import AlreadyDecided, Halted, NotAuthorized
from bot.core.messages import already_decided
from bot.core.models import Request
from bot.missions import decisions, kill_switch
from bot.missions.execution import Executor
from bot.missions.notify import Notifier
from bot.missions.runner import MissionRunner
from bot.missions.service import MissionService
from bot.missions.session import Session

WORKER = "support-triage"  # owner U0MANAGER, approvers U0OWNER1, U0OWNER2


def request(text: str = "ESC-1042") -> Request:
    return Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=text)


def parked(rt, run_jobs) -> tuple[str, str]:
    mission = MissionService(rt).submit(request()).mission
    run_jobs()
    return mission.id, rt.store.mission(mission.id).proposals[0]


def set_switch(rt, killed: bool) -> None:
    """The switch alone, as at the instant after a pull and before its sweep."""
    rt.store.set_control(WORKER, rt.control(WORKER).model_copy(update={"killed": killed}))


def kinds(rt) -> list[str]:
    return [e["kind"] for e in rt.audit.events()]


def test_only_the_owner_pulls_and_a_refused_pull_changes_nothing(rt):
    with pytest.raises(NotAuthorized, match="Only Support Triage's owner @U0MANAGER can change its controls"):
        kill_switch.pull(rt, WORKER, actor="U0OWNER1")
    assert not kill_switch.is_halted(rt, WORKER) and "control.changed" not in kinds(rt)
    with pytest.raises(NotAuthorized):
        kill_switch.release(rt, WORKER, actor="U0AGENT")


def test_pull_sweeps_the_workers_work_and_release_lets_new_work_start(rt, run_jobs):
    mission_id, pid = parked(rt, run_jobs)
    queued = MissionService(rt).submit(request("ESC-1043")).mission  # not run yet
    control = kill_switch.pull(rt, WORKER, actor="U0MANAGER")
    assert control.killed and control.changed_by == "U0MANAGER" and kill_switch.is_halted(rt, WORKER)
    assert rt.store.mission(queued.id).status == "cancelled"
    assert rt.store.proposal(pid).status == "halted"
    events = list(rt.audit.events())
    changed = [e for e in events if e["kind"] == "control.changed"]
    assert changed[-1]["actor"] == "U0MANAGER" and changed[-1]["data"]["killed"] == "True"
    halted = [e for e in events if e["kind"] == "proposal.halted"]
    assert [(e["proposal"], e["data"]["was"]) for e in halted] == [(pid, "pending")]
    run_jobs()
    assert rt.store.mission(mission_id).status == "halted"  # the parked mission stops at its next run

    assert not kill_switch.release(rt, WORKER, actor="U0MANAGER").killed
    assert not kill_switch.is_halted(rt, WORKER)
    assert rt.store.proposal(pid).status == "halted"  # what the pull halted stays halted
    assert MissionService(rt).create(request("ESC-1046")).mission is not None


def test_a_linked_account_of_the_owner_pulls_the_switch(rt):
    rt.people.learn_email(account="U0MANAGER", email="manager@example.com")
    rt.people.learn_email(account="29:1manager-teams", email="manager@example.com")
    assert kill_switch.pull(rt, WORKER, actor="29:1manager-teams").killed


def test_refuse_if_halted_names_the_worker_and_trusts_the_control_it_is_given(rt):
    kill_switch.refuse_if_halted(rt, WORKER)  # not pulled: nothing happens
    set_switch(rt, True)
    with pytest.raises(Halted) as err:
        kill_switch.refuse_if_halted(rt, WORKER)
    assert str(err.value) == "Support Triage was halted by its owner"
    with pytest.raises(Halted, match="^Support Triage is halted; pending"):
        kill_switch.refuse_if_halted(rt, WORKER, because="is halted; pending proposals cannot be approved")
    # The session reads the control once and gives the same one to the gate: that read is the one checked.
    kill_switch.refuse_if_halted(rt, WORKER, control=rt.control(WORKER).model_copy(update={"killed": False}))


def test_the_runner_closes_a_mission_of_a_halted_worker_without_running_it(rt):
    mission = MissionService(rt).create(request()).mission
    set_switch(rt, True)
    assert MissionRunner(rt).run(mission.id) == "cancelled"
    closed = rt.store.mission(mission.id)
    assert closed.verdict == "🛑 Support Triage was halted by its owner; nothing more will run."
    assert "mission.started" not in kinds(rt)


def test_the_session_refuses_every_tool_call_of_a_halted_worker(rt):
    mission = MissionService(rt).create(request()).mission
    set_switch(rt, True)
    with pytest.raises(Halted, match="^Support Triage was halted by its owner$"):
        Session(rt, mission).call("s1", "helpdesk.get_ticket", {"ticket_id": "ESC-1042"})
    assert not any(k.startswith("tool.") for k in kinds(rt))


def test_an_approved_proposal_of_a_halted_worker_is_halted_not_executed(rt, run_jobs):
    _, pid = parked(rt, run_jobs)
    decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="console")
    set_switch(rt, True)
    executed = Executor(rt).execute(pid)
    assert (executed.status, executed.error) == ("halted", "kill switch pulled before execution")
    assert "execution.started" not in kinds(rt)


def test_a_decision_on_a_halted_worker_is_refused_and_nothing_is_recorded(rt, run_jobs):
    _, pid = parked(rt, run_jobs)
    set_switch(rt, True)  # the sweep has not halted the proposal yet: the decision's own check refuses
    with pytest.raises(Halted) as err:
        decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="console")
    assert str(err.value) == "Support Triage is halted; pending proposals cannot be approved"
    assert rt.store.proposal(pid).status == "pending"
    assert not any(k.startswith("decision.") for k in kinds(rt))


def test_a_halt_records_and_shows_who_pulled_the_switch(rt, run_jobs):
    mission_id, pid = parked(rt, run_jobs)
    kill_switch.pull(rt, WORKER, actor="U0MANAGER")
    run_jobs()
    assert rt.store.proposal(pid).halted_by == "U0MANAGER"
    with pytest.raises(AlreadyDecided) as err:  # a late click is told who halted it, not "the system"
        MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    assert already_decided(err.value).startswith("Already halted by @U0MANAGER at ")
    mission = rt.store.mission(mission_id)
    assert mission.verdict == "🛑 Support Triage was halted by its owner @U0MANAGER; nothing more will run."
    card = Notifier(rt).card(rt.store.proposal(pid))
    assert card.headline() == "Halted by @U0MANAGER"
