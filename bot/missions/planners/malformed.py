"""Malformed tool calls (`AIMessage.invalid_tool_calls`: arguments that are not a JSON object) are never run.

LangChain parks them beside the valid calls; left alone, a reply made only of malformed calls ends the run
and reads as a verdict. The agent answers each one with an error the model sees on its next step.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, InvalidToolCall, ToolMessage

from bot.core.defang import defang


def _short(value: Any, limit: int = 160) -> str:
    text = " ".join(str(value or "").split())
    return defang(text if len(text) <= limit else text[: limit - 1] + "…")


def invalid_call_answer(bad: InvalidToolCall) -> ToolMessage:
    """The error the model reads instead of a result: what was wrong, and what to send instead."""
    name = bad.get("name") or "unknown"
    why = _short(bad.get("error")) or "the arguments are not a JSON object"
    text = (
        f"ERROR: your call to {name} was not run: it was malformed ({why}); arguments were "
        f"{_short(bad.get('args'))!r}. Call the tool again with arguments as one JSON object matching its "
        "schema, or answer without it."
    )
    return ToolMessage(content=text, tool_call_id=bad["id"], name=name, status="error")


def observation(bad: InvalidToolCall) -> str:
    return (
        f"⚠️ malformed tool call from the model ({bad.get('name') or 'unknown'}); not run, the model was told"
    )


def malformed_note(messages: list[AnyMessage]) -> str:
    """Why a capped run stopped, when the model's last calls were malformed; else ''."""
    last = next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
    if last is None or not last.invalid_tool_calls:
        return ""
    bad = last.invalid_tool_calls[0]
    why = _short(bad.get("error")) or "arguments not a JSON object"
    return f" The model's last tool call ({bad.get('name') or 'unknown'}) was malformed: {why}."
