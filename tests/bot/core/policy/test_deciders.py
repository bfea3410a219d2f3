"""Who may decide (bot/core/policy/deciders.py): pure rules over the worker config and a person's accounts."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import bot.core.policy as policy
from bot.core.config.loader import load_workers
from bot.core.errors import NotAuthorized
from bot.core.models import Proposal
from bot.core.policy import (
    authorize_controls,
    authorize_decision,
    authorize_digest,
    authorize_undo_request,
    decision_refusal,
    gate,
    is_approver,
)
from bot.core.policy.tool_gate import gate as tool_gate

CONFIGS = Path(__file__).resolve().parents[4] / "worker_configs"

TEAMS = "29:1teams-account"  # a Teams account linked to whichever Slack account a test says
NOT_AN_APPROVER = "Only @U0OWNER1, @U0OWNER2, @U0LEAD can decide on Support Triage's proposals."
FOUR_EYES = "You asked for this mission, so another approver must decide (four-eyes rule)."


@pytest.fixture(scope="module")
def worker():
    return load_workers(CONFIGS)["support-triage"]  # approvers U0OWNER1, U0OWNER2; backup U0LEAD


def proposal(requester: str = "U0AGENT") -> Proposal:
    return Proposal(
        id="M1-s5",
        mission_id="M1",
        worker="support-triage",
        tool="helpdesk.issue_credit",
        args={"amount": 40.0},
        tier="execute",
        requester=requester,
        created_at=datetime(2026, 1, 5, tzinfo=UTC),
    )


def refusal(worker, actor: str, *linked: str, requester: str = "U0AGENT") -> str | None:
    return decision_refusal(worker, proposal(requester), actor=actor, accounts=frozenset({actor, *linked}))


def test_approvers_and_backup_approvers_decide_and_nobody_else(worker):
    assert refusal(worker, "U0OWNER1") is None and refusal(worker, "U0LEAD") is None
    assert refusal(worker, "U0RANDOM") == NOT_AN_APPROVER
    assert refusal(worker, "U0MANAGER") == NOT_AN_APPROVER  # the owner is not an approver
    with pytest.raises(NotAuthorized, match="can decide on Support Triage's proposals"):
        authorize_decision(worker, proposal(), actor="U0RANDOM", accounts={"U0RANDOM"})


def test_a_linked_account_of_an_approver_decides_as_that_approver(worker):
    assert refusal(worker, TEAMS) == NOT_AN_APPROVER
    assert refusal(worker, TEAMS, "U0OWNER1") is None
    assert is_approver(worker, actor=TEAMS, accounts={"U0LEAD"})
    assert not is_approver(worker, actor=TEAMS)


def test_four_eyes_refuses_the_requester_from_any_of_their_accounts(worker):
    assert refusal(worker, "U0OWNER2", requester="U0OWNER2") == FOUR_EYES
    assert refusal(worker, TEAMS, "U0OWNER2", requester="U0OWNER2") == FOUR_EYES  # linked: one person
    assert refusal(worker, "U0OWNER2", TEAMS, requester=TEAMS) == FOUR_EYES  # asked from Teams
    assert refusal(worker, "U0OWNER1", requester="U0OWNER2") is None  # another approver decides
    with pytest.raises(NotAuthorized, match="four-eyes"):
        authorize_decision(worker, proposal("U0OWNER2"), actor="U0OWNER2", accounts={"U0OWNER2"})


def test_four_eyes_can_be_waived_by_the_config(worker):
    waived = worker.model_copy(
        update={"escalation": worker.escalation.model_copy(update={"allow_self_approval": True})}
    )
    assert refusal(waived, "U0OWNER2", requester="U0OWNER2") is None
    assert refusal(waived, "U0RANDOM", requester="U0RANDOM") == NOT_AN_APPROVER  # still an approver


def test_only_the_owner_changes_the_controls_from_any_of_their_accounts(worker):
    authorize_controls(worker, actor="U0MANAGER", accounts={"U0MANAGER"})
    authorize_controls(worker, actor=TEAMS, accounts={TEAMS, "U0MANAGER"})
    for actor in ("U0OWNER1", TEAMS):  # an approver is not the owner
        with pytest.raises(NotAuthorized) as err:
            authorize_controls(worker, actor=actor, accounts={actor})
        assert str(err.value) == "Only Support Triage's owner @U0MANAGER can change its controls."


def test_the_digest_is_for_the_owner_and_the_approvers(worker):
    for actor in ("U0MANAGER", "U0OWNER1", "U0LEAD"):
        authorize_digest(worker, actor=actor, accounts={actor})
    authorize_digest(worker, actor=TEAMS, accounts={TEAMS, "U0OWNER2"})
    with pytest.raises(NotAuthorized) as err:
        authorize_digest(worker, actor="U0AGENT", accounts={"U0AGENT"})
    assert str(err.value) == "Only Support Triage's owner @U0MANAGER and its approvers can read its digest."


def test_an_undo_is_asked_for_by_the_requester_an_approver_or_the_owner(worker):
    executed = proposal("U0AGENT")
    for actor in ("U0AGENT", "U0OWNER1", "U0MANAGER"):
        authorize_undo_request(worker, executed, actor=actor, accounts={actor})
    authorize_undo_request(worker, executed, actor=TEAMS, accounts={TEAMS, "U0AGENT"})
    with pytest.raises(NotAuthorized, match="Only the requester, Support Triage's approvers or its owner"):
        authorize_undo_request(worker, executed, actor="U0RANDOM", accounts={"U0RANDOM"})


def test_the_policy_package_names_the_gate_and_the_deciders():
    assert gate is tool_gate  # `from bot.core.policy import gate` keeps working and callable(gate)
    assert {"gate", "GateDecision", "authorize_decision", "authorize_controls", "decision_refusal"} <= set(
        policy.__all__
    )
    assert all(hasattr(policy, name) for name in policy.__all__)
