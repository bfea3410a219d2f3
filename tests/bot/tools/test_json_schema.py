"""Args models from MCP input schemas: strings coerced to the declared types, JSON Schema bounds enforced."""

from __future__ import annotations

import pytest

from bot.core.errors import ToolError
from bot.tools.base import ToolSpec, normalize_args
from bot.tools.json_schema import model_from_schema

CREDIT = {
    "type": "object",
    "required": ["account_id", "amount"],
    "properties": {
        "account_id": {"type": "string"},
        "amount": {"type": "number", "exclusiveMinimum": 0},
        "reason": {"type": "string", "default": "support credit", "maxLength": 20},
    },
}
SPEC = ToolSpec(
    name="helpdesk.issue_credit",
    description="",
    args_model=model_from_schema("helpdesk.issue_credit", CREDIT),
)


def test_template_strings_become_typed_values_the_gate_can_compare():
    assert normalize_args(SPEC, {"account_id": "ACME-7", "amount": "40"}) == {
        "account_id": "ACME-7",
        "amount": 40.0,
        "reason": "support credit",
    }


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        ({"account_id": "A", "amount": "0"}, "amount: Input should be greater than 0"),
        ({"account_id": "A", "amount": "lots"}, "amount: Input should be a valid number"),
        (
            {"account_id": "A", "amount": 5, "reason": "x" * 21},
            "reason: String should have at most 20 characters",
        ),
        ({"account_id": "A", "amount": 5, "surprise": 1}, "surprise: Extra inputs are not permitted"),
        ({"amount": 5}, "account_id: Field required"),
    ],
)
def test_values_outside_the_schema_are_refused(args, problem):
    with pytest.raises(ToolError, match=problem):
        normalize_args(SPEC, args)
