"""Undo: an executed action whose tool declares `undo:` is reversed through a proposal an approver decides.

The whole path (card, four-eyes, execution, the error budget) is in test_trust.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.errors import BadRequest, NotAuthorized
from bot.missions.service import MissionService
from bot.missions.undo import is_undo, request_undo, undo_deadline, undo_id
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
