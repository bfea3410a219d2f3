"""MissionService, the one way in: submit (route, refuse, help), decide (who may, with what), the owner's
controls, and what it reads back. The loop it starts is tested in test_runner.py."""

from __future__ import annotations

import pytest

from bot.core.errors import AlreadyDecided, BadRequest, NotAuthorized
from bot.missions.service import MissionService
from tests.bot.missions.asks import ask, credits


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
    assert "rejected by @U0OWNER1 (wrong amount: too high)" in verdict


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


def test_autonomy_is_one_of_three_modes_and_every_control_change_is_audited(rt):
    svc = MissionService(rt)
    with pytest.raises(BadRequest, match="not 'reckless'"):
        svc.set_autonomy("support-triage", "reckless", actor="U0MANAGER")
    control = svc.set_autonomy("support-triage", "shadow", actor="U0MANAGER")
    assert (
        control.autonomy == "shadow" and control.changed_by == "U0MANAGER" and control.changed_at is not None
    )
    assert rt.control("support-triage").autonomy == "shadow"
    changes = [e for e in rt.audit.events() if e["kind"] == "control.changed"]
    assert changes[-1]["actor"] == "U0MANAGER" and changes[-1]["data"]["autonomy"] == "shadow"


def test_only_the_requester_adds_visible_context_to_an_open_mission(rt, run_jobs):
    mission = ask(rt, "ESC-1042", user="U0AGENT").mission
    svc = MissionService(rt)
    with pytest.raises(NotAuthorized, match="Only @U0AGENT"):
        svc.add_context(mission.id, user="U0OTHER", text="more")
    with pytest.raises(BadRequest, match="no visible text"):
        svc.add_context(mission.id, user="U0AGENT", text="\u200b\u200b")
    with pytest.raises(BadRequest, match="limit is 4,000"):
        svc.add_context(mission.id, user="U0AGENT", text="x" * 4001)
    svc.kill("support-triage", actor="U0MANAGER")  # closes the queued mission
    with pytest.raises(BadRequest, match="already cancelled"):
        svc.add_context(mission.id, user="U0AGENT", text="one more thing")


def test_pending_for_lists_only_what_the_person_may_decide(rt, run_jobs):
    mine = ask(rt, "ESC-1042", user="U0OWNER1").mission
    theirs = ask(rt, "ESC-1043", user="U0AGENT").mission
    run_jobs()
    svc = MissionService(rt)
    mine_pid, theirs_pid = (rt.store.mission(m.id).proposals[0] for m in (mine, theirs))
    assert [p.id for p in svc.pending_for("U0OWNER1")] == [theirs_pid]  # four-eyes: not their own
    assert {p.id for p in svc.pending_for("U0OWNER2")} == {mine_pid, theirs_pid}
    assert svc.pending_for("U0AGENT") == []  # not an approver
    svc.check_decidable(theirs_pid, actor="U0OWNER1")  # asking changes nothing
    assert rt.store.proposal(theirs_pid).status == "pending"


def test_status_and_workers_here_read_back_what_the_store_holds(rt, run_jobs):
    mission = ask(rt, "ESC-1042").mission
    run_jobs()
    status = MissionService(rt).status(mission.id)
    assert status.startswith(f"{mission.id} (support-triage/triage_escalation) is awaiting approval")
    assert "• helpdesk.issue_credit: pending" in status
    MissionService(rt).kill("support-triage", actor="U0MANAGER")
    here = MissionService(rt).workers_here("C0SUPPORT")
    assert here.startswith("• support-triage: Support Triage (assisted, HALTED)") and "it-access" not in here
    assert "it-access" in MissionService(rt).workers_here("C0NOWHERE")  # unbound: every worker


def test_the_digest_is_for_the_owner_and_approvers_only(rt):
    svc = MissionService(rt)
    with pytest.raises(NotAuthorized, match="owner @U0MANAGER and its approvers"):
        svc.digest("support-triage", actor="U0AGENT")
    assert svc.digest("support-triage", actor="U0OWNER1").worker == "support-triage"
    assert any(e["kind"] == "digest.viewed" and e["actor"] == "U0OWNER1" for e in rt.audit.events())
