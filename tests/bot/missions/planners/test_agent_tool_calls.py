"""The answers the model gets for its tool calls (the loop through the gate is covered in test_agent.py)."""

from __future__ import annotations

from langchain_core.messages import AIMessage

from bot.core.models import Proposal
from bot.core.redact import Redactor
from bot.missions.planners.agent_tool_calls import self_name, short, tool_content, with_call_ids
from bot.missions.session import CallOutcome

REDACTOR = Redactor(values=["hunter2-secret-value"])


def test_a_result_is_labelled_untrusted_and_redacted():
    text = tool_content(
        "helpdesk.get_ticket", CallOutcome(kind="result", result={"note": "hunter2-secret-value"}), REDACTOR
    )
    assert (
        text.startswith('<untrusted_data source="helpdesk.get_ticket">')
        and "hunter2-secret-value" not in text
    )


def test_a_rejection_carries_who_and_why_and_a_refusal_says_not_to_retry():
    rejected = Proposal.model_construct(
        status="rejected", decided_by="U0OWNER2", reason_code="wrong_amount", comment="use 30"
    )
    text = tool_content("billing.credit", CallOutcome(kind="settled", proposal=rejected), REDACTOR)
    assert text.startswith("REJECTED by U0OWNER2; nothing was done.") and "wrong_amount: use 30" in text
    refused = tool_content("billing.credit", CallOutcome(kind="refused", message="forbidden"), REDACTOR)
    assert refused == "REFUSED by policy: forbidden. Do not retry this call."


def test_missing_call_ids_are_filled_stably_and_present_ones_kept():
    ai = AIMessage(
        "",
        tool_calls=[{"name": "a", "args": {}, "id": ""}, {"name": "b", "args": {}, "id": "keep"}],
    )
    filled = with_call_ids(ai, 3)
    assert [c["id"] for c in filled.tool_calls] == ["call3_0", "keep"]
    assert with_call_ids(filled, 4) is filled


def test_names_and_short_values():
    assert self_name("helpdesk__get_ticket") == "helpdesk.get_ticket"
    assert short("x" * 300, 10) == "x" * 9 + "…" and short({"a": 1}) == '{"a": 1}'
