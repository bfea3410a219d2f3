"""The worker config schema: strict (unknown fields are errors), frozen,
and checked where a mistake is made."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.core.config.models import (
    Escalation,
    MissionSpec,
    ObserveStep,
    ProposeStep,
    ToolStep,
    WorkerConfig,
    WorkingHours,
)
from bot.core.config.people import Person
from bot.core.config.tools import ToolPolicy


def worker(**changes) -> WorkerConfig:
    base = {
        "name": "w-1",
        "display_name": "W",
        "description": "d",
        "owner": "U0OWNER",
        "escalation": {"approvers": ["U0A"], "backup": ["U0B"]},
        "missions": {"m": {"description": "one mission"}},
    }
    return WorkerConfig.model_validate({**base, **changes})


def test_an_unknown_field_is_an_error_not_a_silent_no_op():
    with pytest.raises(ValidationError, match="auto_aprove"):
        ToolPolicy.model_validate({"tier": "write", "auto_aprove": {"amount": {"lte": 5}}})
    with pytest.raises(ValidationError):
        worker(colour="blue")


def test_configs_are_frozen():
    w = worker()
    with pytest.raises(ValidationError):
        w.owner = "U0SOMEONE"


def test_steps_are_told_apart_by_their_verb_and_a_step_without_one_says_so():
    spec = MissionSpec.model_validate(
        {
            "description": "d",
            "steps": [{"tool": "a.b"}, {"observe": "x"}, {"propose": "a.c", "args": {"n": 1}}],
        }
    )
    assert [type(s) for s in spec.steps] == [ToolStep, ObserveStep, ProposeStep]
    with pytest.raises(ValidationError, match="a step needs one of tool, observe, propose"):
        MissionSpec.model_validate({"description": "d", "steps": [{"run": "x"}]})


def test_names_zones_hours_and_patterns_are_checked_at_load():
    with pytest.raises(ValidationError):
        worker(name="Bad Name")
    with pytest.raises(ValidationError, match="unknown timezone 'Mars/Olympus'"):
        WorkingHours(timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="0 <= start < end <= 24"):
        WorkingHours(hours=(18, 8))
    with pytest.raises(ValidationError, match="exponential time"):
        MissionSpec(description="d", match=["^(a+)+$"])
    with pytest.raises(ValidationError, match="exponential time"):
        ToolPolicy(tier="write", forbid={"reason": {"matches": "(a|a)*"}})
    with pytest.raises(ValidationError):
        Escalation(approvers=[])


def test_a_worker_without_an_llm_is_a_playbook_and_an_unknown_tool_has_no_policy():
    # Who may approve is the deciders' rule: tests/bot/core/policy/test_deciders.py.
    w = worker()
    assert w.is_playbook and w.policy("x.y") is None


def test_a_persons_accounts_span_platforms_and_teams_ids_are_checked():
    person = Person(name="Olivia", slack=["U0OWNER1"], teams_aad=["aad-1"], teams_mri=["29:1abc"])
    assert person.accounts == ["U0OWNER1", "aad-1", "29:1abc"]
    with pytest.raises(ValidationError, match="starts with 29:"):
        Person(name="Olivia", teams_mri=["8:orgid:x"])
