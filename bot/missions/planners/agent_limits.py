"""Bounds on an agent mission's work: tokens counted every turn, budgets checked before every model call,
tool calls capped per turn (the rest are answered "not run") and per mission (`Session.call` turns them
away; the planner then stops). Each bound that bites posts one observation, then the mission's verdict.
"""

from __future__ import annotations

import json
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, ToolMessage

from bot.core import limits
from bot.core.defang import trusted
from bot.missions.planners.base import Finished
from bot.missions.session import Session


def turn_tokens(ai: AIMessage, messages: list[AnyMessage]) -> int:
    """What this model turn cost: the provider's count, else an estimate from what was sent and received."""
    reported = int((ai.usage_metadata or {}).get("total_tokens", 0))
    if reported:
        return reported
    chars = sum(
        len(str(m.content)) + len(json.dumps(getattr(m, "tool_calls", []) or [], default=str))
        for m in messages
    )
    return limits.estimate_tokens(chars=chars)


def stop_reason(session: Session) -> str | None:
    """Why the next model call must not happen (a budget or cap is spent), or None."""
    return limits.turn_refusal(
        session.rt, session.worker, mission_id=session.mission.id, mission_tokens=session.mission.tokens
    )


def stopped(session: Session, reason: str) -> Finished:
    session.observe("agent-limit", f"⚠️ Stopped before the next model step: {reason}.")
    # The product's own words (the reason comes from bot/core/limits.py): the owner's mention stays live.
    return Finished(
        verdict=trusted(f"Stopped: {reason}. Its owner @{session.worker.owner} can raise the limit."),
        failed=True,
    )


def over_turn_cap(session: Session, turn: int, calls: list[dict[str, Any]]) -> set[str]:
    """Ids of the calls beyond `tool_calls_per_turn` in one model turn; says so once in the thread."""
    cap = session.worker.limits.tool_calls_per_turn
    extra = {c["id"] for c in calls[cap:]}
    if extra:
        session.observe(
            f"t{turn}-cap",
            f"⚠️ The model asked for {len(calls)} tool calls in one step; only the "
            f"first {cap} ran (the limit per step).",
        )
    return extra


def not_run(call: dict[str, Any], *, cap: int) -> ToolMessage:
    return ToolMessage(
        content=f"NOT RUN: at most {cap} tool calls per step; ask again for what you still need.",
        tool_call_id=call["id"],
        name=call["name"],
        status="error",
    )
