"""Undo: an executed action whose tool declares `undo:` is reversed through a proposal an approver decides.

The whole path (card, four-eyes, execution, the error budget) is in test_trust.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.errors import BadRequest, NotAuthorized
from bot.missions.execution import Executor
from bot.missions.service import MissionService
from bot.missions.undo import is_undo, request_undo, undo_deadline, undo_id
from bot.platforms.console.messenger import ConsoleMessenger
from tests.bot.missions.test_trust import proposal_for


def test_an_undo_is_named_after_the_action_it_reverses():
    assert undo_id("P-1") == "P-1-undo" and is_undo("P-1-undo")
    assert not is_undo("P-1") and not is_undo(None) and not is_undo("")


def test_undo_only_inside_its_window(rt, run_jobs):
    MissionService(rt).set_autonomy("support-triage", "autonomous", actor="U0MANAGER")
    pid = proposal_for(rt, run_jobs, "1046")
    rt.store.mutate_proposal(
        pid, lambda p: p.model_copy(update={"decided_at": p.decided_at - timedelta(days=2)})
    )
    with pytest.raises(BadRequest, match="window"):
        MissionService(rt).request_undo(pid, actor="U0AGENT")


def test_only_an_executed_action_of_a_tool_that_declares_an_undo_can_be_undone(rt, run_jobs):
    pending = proposal_for(rt, run_jobs, "1042")  # assisted: waits for an approver
    with pytest.raises(BadRequest, match="Only an executed action can be undone; this one is pending"):
        request_undo(rt, pending, actor="U0AGENT")
    rt.store.mutate_proposal(pending, lambda p: p.model_copy(update={"tool": "helpdesk.reverse_credit"}))
    with pytest.raises(BadRequest, match="helpdesk.reverse_credit declares no undo"):
        request_undo(rt, pending, actor="U0AGENT")


def test_the_requester_may_ask_and_the_undo_is_pending_with_arguments_from_the_result(rt, run_jobs):
    MissionService(rt).set_autonomy("support-triage", "autonomous", actor="U0MANAGER")
    pid = proposal_for(rt, run_jobs, "1046")
    with pytest.raises(NotAuthorized, match="requester, Support Triage's approvers or its owner"):
        request_undo(rt, pid, actor="U0STRANGER")
    undo = request_undo(rt, pid, actor="U0AGENT")  # the requester of the mission
    original = rt.store.proposal(pid)
    assert undo.id == undo_id(pid) and undo.undo_of == pid and undo.status == "pending"
    assert undo.args == {"credit_id": original.result["credit_id"]} and undo.requester == "U0AGENT"
    assert undo.id in rt.store.mission(original.mission_id).proposals
    kinds = [e["kind"] for e in rt.audit.events() if e["proposal"] in {pid, undo.id}]
    assert "undo.requested" in kinds and "proposal.created" in kinds
    assert undo_deadline(rt, undo) == original.decided_at + timedelta(minutes=1440)


def cards_of(rt, pid: str, op: str) -> list[dict]:
    outbox = ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix)
    return [
        m["card"]
        for _, m in outbox.read()
        if m["op"] == op and (m.get("card") or {}).get("proposal_id") == pid
    ]


def test_what_the_worker_did_alone_gets_an_executed_card_with_undo_and_the_verdict_says_reversed(
    rt, run_jobs
):
    svc = MissionService(rt)
    svc.set_autonomy("support-triage", "autonomous", actor="U0MANAGER")
    pid = proposal_for(rt, run_jobs, "1042")  # 40 <= 50: auto-approved and executed, no approver asked
    original = rt.store.proposal(pid)
    assert original.status == "executed" and original.decided_by == "auto"
    assert [c.conversation for c in original.cards] == ["C0APPROVALS"]  # posted once, where approvers look
    posted = cards_of(rt, pid, "post")
    assert (
        len(posted) == 1 and posted[0]["undo_tool"] == "helpdesk.reverse_credit" and posted[0]["undo_until"]
    )
    assert (
        posted[0]["title"].startswith("Done by the worker alone") and "executed" in posted[0]["status_line"]
    )

    undo = svc.request_undo(pid, actor="U0AGENT")
    svc.decide(undo.id, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(undo.id).status == "executed"
    reversed_ = rt.store.proposal(pid)
    assert reversed_.reversed_by == undo.id
    last = cards_of(rt, pid, "update")[-1]
    assert last["status_line"] == "Executed, then reversed by an undo" and last["undo_tool"] is None
    verdict = rt.store.mission(original.mission_id).verdict
    assert (
        "helpdesk.issue_credit (" + pid + ") was reversed by helpdesk.reverse_credit, approved by @U0OWNER1"
        in verdict
    )
    Executor(rt).follow_up(rt.store.proposal(undo.id))  # a second run of the job's follow-up: no new line
    run_jobs()
    assert rt.store.mission(original.mission_id).verdict.count("was reversed") == 1


def test_a_rejected_undo_can_be_asked_again(rt, run_jobs):
    svc = MissionService(rt)
    svc.set_autonomy("support-triage", "autonomous", actor="U0MANAGER")
    pid = proposal_for(rt, run_jobs, "1046")
    first = svc.request_undo(pid, actor="U0AGENT")
    with pytest.raises(BadRequest, match="already requested"):
        svc.request_undo(pid, actor="U0AGENT")  # pending: not twice
    svc.decide(first.id, actor="U0OWNER1", approve=False, platform="console", reason_code="other")
    run_jobs()
    again = svc.request_undo(pid, actor="U0AGENT")
    assert again.id == undo_id(pid, 2) and is_undo(again.id) and again.status == "pending"
    assert again.undo_of == pid and rt.store.proposal(again.id).cards  # a new card for the approvers
    svc.decide(again.id, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(again.id).status == "executed" and rt.store.proposal(pid).reversed_by == again.id
