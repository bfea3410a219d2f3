"""The governed loop end to end on real Redis and RQ, through the core API and the console messenger."""

from __future__ import annotations

import pytest

from bot.core.errors import AlreadyDecided, BadRequest, NotAuthorized
from bot.core.models import Request
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService


def ask(rt, text: str, *, user: str = "U0AGENT", channel: str = "C0SUPPORT"):
    return MissionService(rt).submit(
        Request(platform="console", conversation=channel, requester=user, text=text)
    )


def credits(rt) -> list[dict]:
    return HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()


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


def test_rejection_needs_a_reason_code_and_nothing_runs(rt, run_jobs):
    mission = ask(rt, "ESC-1042").mission
    run_jobs()
    pid = rt.store.mission(mission.id).proposals[0]
    svc = MissionService(rt)
    with pytest.raises(BadRequest):
        svc.decide(pid, actor="U0OWNER1", approve=False, platform="console")
    svc.decide(
        pid,
        actor="U0OWNER1",
        approve=False,
        platform="console",
        reason_code="wrong_amount",
        comment="too high",
    )
    run_jobs()
    assert credits(rt) == []
    verdict = rt.store.mission(mission.id).verdict
    assert "rejected by @U0OWNER1 (wrong_amount: too high)" in verdict


def test_only_configured_approvers_decide_and_never_the_requester(rt, run_jobs):
    mission = ask(rt, "ESC-1042", user="U0OWNER2").mission
    run_jobs()
    pid = rt.store.mission(mission.id).proposals[0]
    svc = MissionService(rt)
    with pytest.raises(NotAuthorized):
        svc.decide(pid, actor="U0RANDOM", approve=True, platform="console")
    with pytest.raises(NotAuthorized, match="four-eyes"):
        svc.decide(pid, actor="U0OWNER2", approve=True, platform="console")
    assert rt.store.proposal(pid).status == "pending"
    svc.decide(pid, actor="U0LEAD", approve=True, platform="console")  # backup approvers may decide
    with pytest.raises(AlreadyDecided) as err:
        svc.decide(pid, actor="U0OWNER1", approve=True, platform="console")
    assert err.value.by == "U0LEAD"


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
    assert done.proposals == [] and "forbid: amount > 500" in done.verdict
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


def test_kill_switch_cancels_queued_halts_pending_and_blocks_approval(rt, run_jobs):
    parked = ask(rt, "ESC-1042").mission
    run_jobs()
    pid = rt.store.mission(parked.id).proposals[0]
    queued = ask(rt, "ESC-1043").mission  # not run yet
    svc = MissionService(rt)
    with pytest.raises(NotAuthorized):
        svc.kill("support-triage", actor="U0AGENT")
    svc.kill("support-triage", actor="U0MANAGER")
    assert rt.store.mission(queued.id).status == "cancelled"
    assert rt.store.proposal(pid).status == "halted"  # halted by the kill itself, before any job ran
    with pytest.raises(AlreadyDecided) as err:
        svc.decide(pid, actor="U0OWNER1", approve=True, platform="console")
    assert err.value.status == "halted"
    run_jobs()
    assert rt.store.proposal(pid).status == "halted"
    assert rt.store.mission(parked.id).status == "halted"
    assert "halted" in ask(rt, "ESC-1046").text and credits(rt) == []
    svc.resume("support-triage", actor="U0MANAGER")
    assert ask(rt, "ESC-1046").mission is not None


def test_a_request_that_matches_nothing_gets_help(rt):
    answer = ask(rt, "what's the weather?", channel="C0RANDOM")
    assert answer.mission is None and "support-triage:" in answer.text and "it-access:" in answer.text


def test_routing_by_prefix_channel_and_match(rt, run_jobs):
    assert ask(rt, "it-access: access for jdoe to github", channel="C0RANDOM").mission.worker == "it-access"
    assert ask(rt, "access for jdoe to github for 7 days", channel="C0ITHELP").mission.vars["days"] == "7"
    assert ask(rt, "ESC-1042 please", channel="D0DM").mission.worker == "support-triage"


def test_a_50k_character_request_is_answered_and_changes_nothing(rt):
    def ours() -> list[bytes]:  # this test's keys only: other runs may share the Redis
        return sorted(rt.redis.scan_iter(match=f"*{rt.settings.key_prefix}*", count=1000))

    before = ours()
    answer = ask(rt, "ESC-1042 " + "x" * 50_000)
    assert answer.mission is None and "50,009 characters" in answer.text and "4,000" in answer.text
    assert ours() == before and len(rt.missions_queue) == 0
