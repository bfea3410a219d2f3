"""The Session: every tool call a planner makes passes the gate here; reads run, writes become proposals,
refusals are said and audited, and a repeated step or identical call changes nothing twice."""

from __future__ import annotations

import pytest

from bot.core.audit_verify import check
from bot.core.errors import Halted
from bot.core.models import Request
from bot.missions.service import MissionService
from bot.missions.session import CallOutcome, Session

CREDIT = {"account_id": "ACME-7", "amount": 40, "reason": "ESC-1042: checkout down"}


@pytest.fixture
def session(rt) -> Session:
    """A session on a created (not started) support-triage mission."""
    submitted = MissionService(rt).create(
        Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    )
    return Session(rt, submitted.mission)


def kinds(rt, mission_id: str) -> list[str]:
    return [e["kind"] for e in rt.audit.events() if e["mission"] == mission_id]


def test_a_read_runs_at_once_and_is_audited(rt, session):
    outcome = session.call("r1", "helpdesk.get_ticket", {"ticket_id": "1042"})
    assert outcome.kind == "result" and outcome.result["account_id"] == "ACME-7"
    assert outcome.as_data() == outcome.result
    assert "tool.called" in kinds(rt, session.mission.id)


def test_a_read_observed_next_is_audited_with_its_observation_in_one_script(rt, session):
    """`observe_next`: the read's event goes in with the step's observation, before it, in its script; a
    step recorded before (a retry) still gets the read's event, on its own; the chain and every writer's
    sequence stay intact."""
    outcome = session.call("r1", "helpdesk.get_ticket", {"ticket_id": "1042"}, observe_next=True)
    assert outcome.kind == "result" and "tool.called" not in kinds(rt, session.mission.id)  # not yet
    session.observe("r1", "🔎 the ticket", save={"cursor": 1})
    assert kinds(rt, session.mission.id)[-2:] == ["tool.called", "observation"]
    assert session.mission.state["cursor"] == 1
    session.call("r1", "helpdesk.get_ticket", {"ticket_id": "1042"}, observe_next=True)  # the step again
    session.observe("r1", "🔎 the ticket", save={"cursor": 1})
    assert kinds(rt, session.mission.id)[-3:] == ["tool.called", "observation", "tool.called"]
    session.call("r2", "helpdesk.get_ticket", {"ticket_id": "1042"}, observe_next=True)
    session.save(cursor=2)  # no observation came: the read's event on its own
    assert kinds(rt, session.mission.id)[-1] == "tool.called"
    verdict = check(rt.audit)
    assert verdict.problems == [] and verdict.gaps == []


def test_a_forbidden_or_unknown_tool_is_refused_said_and_audited(rt, session):
    assert session.call("x1", "helpdesk.delete_account", {"account_id": "ACME-7"}).kind == "refused"
    unknown = session.call("x2", "shell.run", {"cmd": "rm -rf /"})
    assert unknown.kind == "refused" and unknown.as_data() == {
        "status": "refused",
        "message": unknown.message,
    }
    assert len(session.refusals) == 2 and session.refusals[0].startswith("helpdesk.delete_account (")
    assert kinds(rt, session.mission.id).count("tool.refused") == 2
    assert [o.key for o in rt.store.observations(session.mission.id)] == ["x1", "x2"]


def test_a_write_parks_on_a_proposal_with_a_card_and_a_repeated_step_returns_it(rt, session):
    first = session.call("p1", "helpdesk.issue_credit", CREDIT, rationale="within policy")
    proposal = first.proposal
    assert first.kind == "parked" and proposal.status == "pending" and proposal.cards
    assert proposal.id == f"{session.mission.id}-p1" and proposal.args["amount"] == 40.0
    assert rt.store.mission(session.mission.id).proposals == [proposal.id]
    assert session.call("p1", "helpdesk.issue_credit", CREDIT).proposal.id == proposal.id  # a retried step
    same = session.call("p2", "helpdesk.issue_credit", CREDIT)  # an identical call under another key
    assert same.proposal.id == proposal.id and rt.store.mission(session.mission.id).proposals == [proposal.id]
    assert kinds(rt, session.mission.id).count("proposal.created") == 1
    assert same.as_data()["status"] == "pending"


def test_a_call_after_the_kill_switch_is_halted(rt, session):
    MissionService(rt).kill("support-triage", actor="U0MANAGER")
    with pytest.raises(Halted):
        session.call("r1", "helpdesk.get_ticket", {"ticket_id": "1042"})


def test_progress_is_saved_into_the_missions_state(rt, session):
    session.save(ticket={"id": 1042})
    session.save(step=2)
    assert rt.store.mission(session.mission.id).state == {"ticket": {"id": 1042}, "step": 2}


def test_an_outcome_shows_the_model_only_what_happened():
    assert CallOutcome(kind="error", message="bad args").as_data() == {
        "status": "error",
        "message": "bad args",
    }


def test_the_next_calls_start_is_read_in_the_script_of_the_observation_before_it(rt, session, monkeypatch):
    """`call_next`: the next step's admission (and its switch and proposal) are read with the observation;
    its call then makes no round trip of its own, and any other step still begins on its own."""
    from bot.missions import session as session_module

    begun: list[str] = []
    begin = session_module.limits.begin_tool_call
    monkeypatch.setattr(
        session_module.limits,
        "begin_tool_call",
        lambda rt, worker, mission_id, key, **kw: (
            begun.append(key) or begin(rt, worker, mission_id, key, **kw)
        ),
    )
    session.observe("s1", "📋 first", save={"cursor": 1}, call_next="s2")
    assert rt.redis.sismember(rt.store.key("tool-calls", session.mission.id), "s2")  # admitted already
    outcome = session.call("s2", "helpdesk.get_ticket", {"ticket_id": "1042"}, observe_next=True)
    assert outcome.kind == "result" and begun == []
    session.observe("s2", "🔎 the ticket", save={"cursor": 2}, call_next="s3")
    session.call("s4", "helpdesk.get_ticket", {"ticket_id": "1042"})  # not the step read ahead
    assert begun == ["s4"]
    assert kinds(rt, session.mission.id)[-3:] == ["tool.called", "observation", "tool.called"]
    verdict = check(rt.audit)
    assert verdict.problems == [] and verdict.gaps == []


def test_a_step_read_ahead_that_proposed_already_returns_its_proposal(rt, session):
    first = session.call("s2", "helpdesk.issue_credit", CREDIT)
    assert first.kind == "parked"
    session.observe("s1", "📋 first", save={"cursor": 1}, call_next="s2")
    again = session.call("s2", "helpdesk.issue_credit", CREDIT)
    assert again.kind == "parked" and again.proposal.id == first.proposal.id
    assert len(rt.store.mission(session.mission.id).proposals) == 1
