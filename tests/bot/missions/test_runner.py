"""The governed loop end to end on real Redis and RQ: a mission runs, parks on a card, executes after approval
(or auto-approval, or never in shadow mode), and closes with a verdict."""

from __future__ import annotations

import pytest

from bot.core.errors import NotAuthorized
from bot.missions.service import MissionService
from tests.bot.missions.asks import ask, credits


def test_escalation_parks_on_a_card_and_executes_only_after_approval(rt, run_jobs):
    submitted = ask(rt, "ESC-1042 checkout down, please credit")
    assert submitted.mission is not None and "support-triage" not in submitted.text
    assert submitted.mission.id in submitted.text and "Support Triage" in submitted.text
    run_jobs()
    mission = rt.store.mission(submitted.mission.id)
    assert mission.status == "awaiting_approval"
    assert [o.key for o in rt.store.observations(mission.id)] == ["s1", "s2", "s3", "s4", "s5"]
    proposal = rt.store.proposal(mission.proposals[0])
    assert (proposal.tool, proposal.args["amount"], proposal.status) == (
        "helpdesk.issue_credit",
        40.0,
        "pending",
    )
    assert proposal.cards and proposal.cards[0].conversation == "C0APPROVALS"
    assert credits(rt) == []

    MissionService(rt).decide(proposal.id, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(proposal.id).status == "executed"
    assert [c["amount"] for c in credits(rt)] == [40.0]
    done = rt.store.mission(mission.id)
    assert done.status == "done" and "approved by @U0OWNER1" in done.verdict


def test_autonomous_auto_approves_under_the_rule_only(rt, run_jobs):
    svc = MissionService(rt)
    with pytest.raises(NotAuthorized):
        svc.set_autonomy("support-triage", "autonomous", actor="U0OWNER1")  # approvers are not the owner
    svc.set_autonomy("support-triage", "autonomous", actor="U0MANAGER")
    small, big = ask(rt, "ESC-1046").mission, ask(rt, "ESC-1043").mission
    run_jobs()
    auto = rt.store.proposal(rt.store.mission(small.id).proposals[0])
    assert auto.status == "executed" and auto.decided_by == "auto" and "amount ≤ 50" in auto.rule
    assert rt.store.proposal(rt.store.mission(big.id).proposals[0]).status == "pending"
    assert [c["amount"] for c in credits(rt)] == [30.0]
    kinds = [e["kind"] for e in rt.audit.events() if e["mission"] == small.id]
    assert "decision.auto_approved" in kinds and "execution.executed" in kinds


def test_forbid_rule_and_forbidden_tier_refuse(rt, run_jobs):
    mission = ask(rt, "ESC-1044").mission
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.proposals == [] and "the owner blocks this when amount > 500" in done.verdict  # in words
    refused = [e for e in rt.audit.events() if e["kind"] == "tool.refused"]
    assert refused and refused[0]["data"]["tool"] == "helpdesk.issue_credit"
    assert credits(rt) == []


def test_shadow_mode_records_the_answer_and_never_executes(rt, run_jobs):
    MissionService(rt).set_autonomy("support-triage", "shadow", actor="U0MANAGER")
    mission = ask(rt, "ESC-1046").mission
    run_jobs()
    pid = rt.store.mission(mission.id).proposals[0]
    assert rt.store.proposal(pid).shadow
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(pid).status == "shadow_approved"
    assert credits(rt) == []
    assert "would approve" in rt.store.mission(mission.id).verdict
