"""The agent's tool calls through the gate: each call of a model turn answered by `Session.call`.

A read answers at once; a write/execute becomes a Proposal and the run parks until a person decides.
The stable key per tool call (turn + call id) makes a resumed or retried run get the stored outcome
instead of proposing (or executing) again. Everything a tool or a person wrote is labelled untrusted and
redacted before it reaches the model.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage

from bot.core.defang import defang, defang_value
from bot.core.readable import summarize
from bot.core.redact import Redactor
from bot.missions.planners import agent_limits, malformed
from bot.missions.planners.agent_context import ToolNames
from bot.missions.planners.agent_context import untrusted as _untrusted
from bot.missions.session import CallOutcome, Session

_SLUG = re.compile(r"[^A-Za-z0-9_]")


def short(value: Any, limit: int = 240) -> str:
    """A value as one line for an observation, cut at `limit` characters."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def content_of(message: AIMessage) -> str:
    return message.text if hasattr(message, "text") else str(message.content)


def self_name(model_name: str) -> str:
    return model_name.replace("__", ".", 1)


def with_call_ids(ai: AIMessage, turn: int) -> AIMessage:
    """Every tool call needs an id that survives a resume; some providers leave it empty."""
    if all(call.get("id") for call in [*ai.tool_calls, *ai.invalid_tool_calls]):
        return ai
    calls = [{**c, "id": c.get("id") or f"call{turn}_{i}"} for i, c in enumerate(ai.tool_calls)]
    invalid = [{**c, "id": c.get("id") or f"bad{turn}_{i}"} for i, c in enumerate(ai.invalid_tool_calls)]
    return ai.model_copy(update={"tool_calls": calls, "invalid_tool_calls": invalid})


def resolve_calls(
    session: Session, names: ToolNames, messages: list[AnyMessage], *, turn: int
) -> tuple[list[ToolMessage], bool]:
    """Answer the last turn's unanswered tool calls; True when one waits on a human."""
    ai = next(m for m in reversed(messages) if isinstance(m, AIMessage))
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    answers, parked = [], False
    beyond_cap = agent_limits.over_turn_cap(session, turn, ai.tool_calls)
    for call in ai.tool_calls:
        if call["id"] in answered:
            continue
        if call["id"] in beyond_cap:
            answers.append(agent_limits.not_run(call, cap=session.worker.limits.tool_calls_per_turn))
            continue
        tool = names.config_name(call["name"])
        key = f"t{turn}-{_SLUG.sub('', call['id'])[-32:]}"
        outcome = session.call(
            key,
            tool,
            defang_value(call["args"]),
            rationale=defang(content_of(ai)) or f"{tool} requested by the model",
        )
        if outcome.kind == "parked":
            parked = True
            continue
        if outcome.kind == "result":
            redacted = session.rt.redactor.value(outcome.result or {})  # redacted before it is cut
            shown = summarize(redacted, tool=tool, worker=session.worker, formats=session.formats)
            session.observe(
                key,
                f"🔎 {tool}: {defang(shown)}",
                detail={"tool": tool, "args": call["args"], "result": outcome.result},
            )
        answers.append(
            ToolMessage(
                content=tool_content(tool, outcome, session.rt.redactor),
                tool_call_id=call["id"],
                name=call["name"],
                status="error" if outcome.kind in {"refused", "error"} else "success",
            )
        )
    for bad in ai.invalid_tool_calls:
        if bad["id"] not in answered:
            answers.append(malformed.invalid_call_answer(bad))
            session.observe(f"t{turn}-bad-{_SLUG.sub('', bad['id'])[-32:]}", malformed.observation(bad))
    return answers, parked


def tool_content(tool: str, outcome: CallOutcome, redactor: Redactor) -> str:
    """The model's next input: every part that a tool or a person wrote is labelled and redacted."""

    def untrusted(source: str, payload: Any) -> str:
        return _untrusted(source, payload, redactor=redactor)

    if outcome.kind == "result":
        return untrusted(tool, outcome.result or {})
    if outcome.kind == "refused":
        return f"REFUSED by policy: {redactor.text(outcome.message)}. Do not retry this call."
    if outcome.kind == "error":
        return f"ERROR: {untrusted(tool, outcome.message)}"
    p = outcome.proposal
    assert p is not None
    if p.status == "executed":
        head = f"APPROVED by {p.decided_by} and EXECUTED. Result:"
        return f"{head}\n{untrusted(tool, p.result or {})}"
    if p.status in {"rejected", "shadow_rejected"}:
        why = f"{p.reason_code}" + (f": {p.comment}" if p.comment else "")
        return f"REJECTED by {p.decided_by}; nothing was done. Reason: {untrusted('approver', why)}"
    if p.status == "expired":  # nobody decided: not a human "no", and the model must not read it as one
        return "EXPIRED, no decision: no approver decided in time (not a rejection); nothing was done."
    if p.status == "shadow_approved":
        return f"SHADOW MODE: {p.decided_by} would approve; nothing was done."
    return f"NOT EXECUTED ({p.status}): {untrusted(tool, p.error or '')}"
