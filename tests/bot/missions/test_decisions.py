"""A decision in one module (bot/missions/decisions.py): who may decide, the state change, its audit event
and its follow-ups; the recovery sweep redoes the audit step from here."""

from __future__ import annotations

import pytest

from bot.core.audit_config import version_of
from bot.core.errors import AlreadyDecided, BadRequest, Halted, NotAuthorized
from bot.core.models import Request
from bot.core.queueing import exec_job_id, run_job_id
from bot.missions import decisions, recovery
from bot.missions.service import MissionService

TEAMS = "29:1owner2-teams"  # linked to U0OWNER2 through a verified email in the tests that say so


def parked(rt, run_jobs, *, requester: str = "U0AGENT") -> tuple[str, str]:
    request = Request(platform="console", conversation="C0SUPPORT", requester=requester, text="ESC-1042")
    mission = MissionService(rt).submit(request).mission
    run_jobs()
    return mission.id, rt.store.mission(mission.id).proposals[0]


def decision_events(rt, pid: str) -> list[dict]:
    return [e for e in rt.audit.events() if e["kind"].startswith("decision.") and e["proposal"] == pid]


def link_owner2_to_teams(rt) -> None:
    rt.people.learn_email(account="U0OWNER2", email="owner2@example.com")
    rt.people.learn_email(account=TEAMS, email="owner2@example.com")


def test_an_approval_is_audited_where_it_is_made_and_its_execution_enqueued(rt, run_jobs):
    mission_id, pid = parked(rt, run_jobs)
    decided = decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack", comment="ok")
    assert (decided.status, decided.decided_by, decided.decided_on) == ("approved", "U0OWNER1", "slack")
    [event] = decision_events(rt, pid)
    assert (event["kind"], event["actor"], event["mission"], event["worker"]) == (
        "decision.approved",
        "U0OWNER1",
        mission_id,
        "support-triage",
    )
    assert event["data"]["platform"] == "slack" and event["data"]["comment"] == "ok"
    assert event["data"]["config_version"] == version_of(rt, "support-triage")
    assert exec_job_id(rt, pid) in rt.actions_queue.job_ids


def test_a_rejection_is_audited_with_its_reason_and_runs_the_mission_on(rt, run_jobs):
    mission_id, pid = parked(rt, run_jobs)
    with pytest.raises(BadRequest, match="A rejection needs a reason code: wrong_amount"):
        decisions.decide(rt, pid, actor="U0OWNER1", approve=False, platform="console")
    decisions.decide(
        rt,
        pid,
        actor="U0OWNER1",
        approve=False,
        platform="console",
        reason_code="wrong_amount",
        comment="high",
    )
    [event] = decision_events(rt, pid)
    assert event["kind"] == "decision.rejected"
    assert (event["data"]["reason_code"], event["data"]["comment"]) == ("wrong_amount", "high")
    assert run_job_id(rt, mission_id, f"after-{pid}") in rt.missions_queue.job_ids
    assert exec_job_id(rt, pid) not in rt.actions_queue.job_ids


def test_the_audit_event_is_written_once_and_the_recovery_sweep_uses_the_same_step(rt, run_jobs):
    _, pid = parked(rt, run_jobs)
    decided = decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="console")
    assert decisions.record_decision(rt, decided) is False  # done-marker: a second call adds nothing
    assert len(decision_events(rt, pid)) == 1
    assert (
        decisions.record_decision(rt, rt.store.proposal(pid).model_copy(update={"decided_by": "auto"}))
        is False
    )
    assert recovery.record_decision is decisions.record_decision


def test_four_eyes_holds_across_linked_accounts_and_leaves_no_trace(rt, run_jobs):
    link_owner2_to_teams(rt)
    _, pid = parked(rt, run_jobs, requester="U0OWNER2")
    for actor in ("U0OWNER2", TEAMS):
        with pytest.raises(NotAuthorized, match=r"another approver must decide \(four-eyes rule\)"):
            decisions.decide(rt, pid, actor=actor, approve=True, platform="teams")
        with pytest.raises(NotAuthorized, match="four-eyes"):
            decisions.check_decidable(rt, pid, actor=actor)
    assert rt.store.proposal(pid).status == "pending" and decision_events(rt, pid) == []
    decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="console")
    with pytest.raises(AlreadyDecided) as err:
        decisions.check_decidable(rt, pid, actor="U0LEAD")
    assert err.value.by == "U0OWNER1"


def test_a_linked_account_of_an_approver_decides_and_is_audited_as_itself(rt, run_jobs):
    link_owner2_to_teams(rt)
    _, pid = parked(rt, run_jobs)
    with pytest.raises(NotAuthorized, match="Only @U0OWNER1, @U0OWNER2, @U0LEAD can decide"):
        decisions.authorize(rt, rt.store.proposal(pid), actor="29:1someone-else")
    decisions.decide(rt, pid, actor=TEAMS, approve=True, platform="teams")
    assert [e["actor"] for e in decision_events(rt, pid)] == [TEAMS]


def test_pending_for_lists_only_what_the_person_may_decide(rt, run_jobs):
    link_owner2_to_teams(rt)
    _, theirs = parked(rt, run_jobs, requester="U0OWNER2")
    _, other = parked(rt, run_jobs)
    assert [p.id for p in decisions.pending_for(rt, "U0OWNER1")] == [theirs, other]
    assert [p.id for p in decisions.pending_for(rt, TEAMS)] == [other]  # not their own request
    assert decisions.pending_for(rt, "U0RANDOM") == []


def test_check_decidable_raises_what_decide_would_and_changes_nothing(rt, run_jobs):
    _, pid = parked(rt, run_jobs)
    svc = MissionService(rt)  # the surfaces ask through the service, which delegates here
    before = (rt.store.proposal(pid), len(list(rt.audit.events())))
    with pytest.raises(NotAuthorized):
        svc.check_decidable(pid, actor="U0RANDOM")
    assert svc.check_decidable(pid, actor="U0OWNER1").id == pid
    control = rt.control("support-triage").model_copy(update={"killed": True})
    rt.store.set_control("support-triage", control)  # the switch is set; its sweep of proposals has not run
    with pytest.raises(Halted):
        svc.check_decidable(pid, actor="U0OWNER1")
    assert (rt.store.proposal(pid), len(list(rt.audit.events()))) == before
    rt.store.set_control("support-triage", control.model_copy(update={"killed": False}))
    svc.decide(pid, actor="U0OWNER1", approve=True, platform="console")
    with pytest.raises(AlreadyDecided) as err:
        svc.check_decidable(pid, actor="U0OWNER2")
    assert err.value.by == "U0OWNER1"
