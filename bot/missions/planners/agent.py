"""The LLM planner: a LangChain 1.x agent whose every tool call passes the policy gate.

The gate sits in an `after_model` middleware (the seam LangChain's own human-in-the-loop middleware
uses): each tool call the model makes goes through `Session.call` before LangChain's tool node could
run it. A read answers at once; a write/execute becomes a Proposal and the run parks. The conversation
is saved after every model turn, so a resume, a crash or a retry continues from the stored messages:
calls whose proposals have settled get their outcome as the tool message, and the stable key per
tool call makes `Session.call` return that outcome instead of proposing (or executing) again.
"""

from __future__ import annotations

import json
import re
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, hook_config
from langchain_core.messages import (
    AIMessage,
    AnyMessage,
    HumanMessage,
    ToolMessage,
    messages_from_dict,
    messages_to_dict,
)

from bot.core import limits
from bot.core.defang import defang, defang_value
from bot.core.redact import Redactor
from bot.missions.planners import agent_limits, malformed
from bot.missions.planners.agent_context import ToolNames, model_tools, request_message, system_prompt
from bot.missions.planners.agent_context import untrusted as _untrusted
from bot.missions.planners.base import Finished, Parked
from bot.missions.planners.chat_models import ModelFactory, ModelUnavailable
from bot.missions.planners.model_calls import ModelCalls, ModelFailed
from bot.missions.session import CallOutcome, Session

DEFAULT_MAX_STEPS = 12
_SLUG = re.compile(r"[^A-Za-z0-9_]")


def _short(value: Any, limit: int = 240) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _content(message: AIMessage) -> str:
    return message.text if hasattr(message, "text") else str(message.content)


class _Gate(AgentMiddleware):
    """Counts model turns against the cap, saves the conversation, answers tool calls through the gate."""

    def __init__(self, planner: AgentPlanner, session: Session, names: ToolNames) -> None:
        super().__init__()
        self.planner, self.session, self.names = planner, session, names
        self.parked = False
        self.capped = False
        self.stopped: str | None = None  # a budget or cap that forbids the next model call

    @hook_config(can_jump_to=["end"])
    def before_model(self, state: dict[str, Any], runtime: Any) -> dict[str, Any] | None:
        if self.planner.turns(self.session) >= self.planner.max_steps:
            self.capped = True
            return {"jump_to": "end"}
        self.stopped = agent_limits.stop_reason(self.session)
        if self.stopped:
            return {"jump_to": "end"}
        return None

    @hook_config(can_jump_to=["end", "model"])
    def after_model(self, state: dict[str, Any], runtime: Any) -> dict[str, Any] | None:
        messages: list[AnyMessage] = list(state["messages"])
        turn = self.planner.turns(self.session) + 1
        ai = messages[-1]
        if not isinstance(ai, AIMessage):
            return None
        ai = _with_call_ids(ai, turn)
        messages[-1] = ai
        self.planner.record_turn(self.session, ai, messages, turn)
        answers, parked = self.planner.resolve(self.session, self.names, messages)
        self.parked = parked
        update: dict[str, Any] = {"messages": [ai, *answers]}
        if parked:
            update["jump_to"] = "end"
        elif ai.invalid_tool_calls:  # told what was wrong, the model gets another step (within the cap)
            update["jump_to"] = "model"
        return update


def _with_call_ids(ai: AIMessage, turn: int) -> AIMessage:
    """Every tool call needs an id that survives a resume; some providers leave it empty."""
    if all(call.get("id") for call in [*ai.tool_calls, *ai.invalid_tool_calls]):
        return ai
    calls = [{**c, "id": c.get("id") or f"call{turn}_{i}"} for i, c in enumerate(ai.tool_calls)]
    invalid = [{**c, "id": c.get("id") or f"bad{turn}_{i}"} for i, c in enumerate(ai.invalid_tool_calls)]
    return ai.model_copy(update={"tool_calls": calls, "invalid_tool_calls": invalid})


class AgentPlanner:
    def __init__(self, *, model_factory: ModelFactory, max_steps: int = DEFAULT_MAX_STEPS) -> None:
        self.model_factory, self.max_steps = model_factory, max_steps

    # -- the planner protocol ------------------------------------------------------------------
    def advance(self, session: Session) -> Parked | Finished:
        # Runs of one mission may overlap (a resume racing a retry); one conversation at a time.
        with session.rt.redis.lock(
            session.rt.store.key("agent-lock", session.mission.id), timeout=900, blocking_timeout=300
        ):
            session.mission = session.rt.store.mission(session.mission.id)
            return self._advance(session)

    def _advance(self, session: Session) -> Parked | Finished:
        tools = session.rt.toolbox.tools_for(session.worker)
        names = ToolNames(list(tools))
        messages = self.load(session)
        if not messages:
            m = session.mission
            messages = [
                HumanMessage(
                    request_message(
                        requester=m.requester, text=m.text, context=m.context, redactor=session.rt.redactor
                    )
                )
            ]
            self.save(session, messages, context_seen=len(m.context))
        last = messages[-1]
        if isinstance(last, AIMessage) and (
            last.tool_calls or last.invalid_tool_calls
        ):  # parked or interrupted
            answers, parked = self.resolve(session, names, messages)
            messages = [*messages, *answers]
            self.save(session, messages)
            if parked:
                return Parked()
        elif isinstance(last, AIMessage):  # the final answer was saved before a crash
            return self._finish(session, last)
        messages = self.follow_ups(session, messages)
        try:
            model = self.model_factory(session.worker)
        except ModelUnavailable as exc:
            session.observe("agent-model", f"⚠️ {exc}")
            return Finished(verdict=f"Could not start: {exc}", failed=True)
        gate = _Gate(self, session, names)
        calls = ModelCalls(
            worker=session.worker, observe=session.observe, turn=lambda: self.turns(session) + 1
        )
        agent = create_agent(
            model,
            model_tools(session.worker, tools, names),
            system_prompt=system_prompt(session.worker, session.spec.instructions or ""),
            middleware=[gate, calls],
        )
        try:
            result = agent.invoke({"messages": messages}, {"recursion_limit": 4 * self.max_steps + 10})
        except ModelFailed as exc:  # a verdict, not an internal error: RQ must not retry it for 40 minutes
            session.observe("agent-model", f"⚠️ {exc}")
            return Finished(verdict=str(exc), failed=True)
        if gate.parked:
            return Parked()
        if gate.stopped:
            return agent_limits.stopped(session, gate.stopped)
        final = result["messages"][-1]
        if gate.capped or not isinstance(final, AIMessage) or final.tool_calls:
            why = malformed.malformed_note(result["messages"])
            session.observe(
                "agent-cap", f"⚠️ Stopped after {self.max_steps} model steps without a verdict.{why}"
            )
            return Finished(
                verdict=f"Could not finish within {self.max_steps} model steps.{why}", failed=True
            )
        return self._finish(session, final)

    @staticmethod
    def _finish(session: Session, final: AIMessage) -> Finished:
        return Finished(verdict=defang(_content(final)) or None)

    # -- conversation state --------------------------------------------------------------------
    @staticmethod
    def load(session: Session) -> list[AnyMessage]:
        return messages_from_dict(session.mission.state.get("agent", {}).get("messages", []))

    @staticmethod
    def context_seen(session: Session) -> int:
        """How many of the mission's context entries the model has been given (older missions: all)."""
        return int(session.mission.state.get("agent", {}).get("context_seen", len(session.mission.context)))

    def follow_ups(self, session: Session, messages: list[AnyMessage]) -> list[AnyMessage]:
        """What the requester added since the model last looked (e.g. the information an approver asked
        for) reaches it as a message, labelled untrusted like the request itself."""
        seen, context = self.context_seen(session), session.mission.context
        if len(context) <= seen:
            return messages
        note = "\n".join(
            [
                f"@{session.mission.requester} added more information to the mission:",
                *(_untrusted("requester_follow_up", c, redactor=session.rt.redactor) for c in context[seen:]),
            ]
        )
        messages = [*messages, HumanMessage(note)]
        self.save(session, messages, context_seen=len(context))
        return messages

    @staticmethod
    def turns(session: Session) -> int:
        return int(session.mission.state.get("agent", {}).get("turns", 0))

    def save(
        self,
        session: Session,
        messages: list[AnyMessage],
        *,
        tokens: int = 0,
        turns: int | None = None,
        context_seen: int | None = None,
    ) -> None:
        seen = self.context_seen(session) if context_seen is None else context_seen
        state = {
            "messages": messages_to_dict(messages),
            "turns": self.turns(session) if turns is None else turns,
            "context_seen": seen,
        }
        session.mission = session.rt.store.mutate_mission(
            session.mission.id,
            lambda m: m.model_copy(
                update={"state": {**m.state, "agent": state}, "tokens": m.tokens + tokens}
            ),
        )

    def record_turn(self, session: Session, ai: AIMessage, messages: list[AnyMessage], turn: int) -> None:
        """Save before any tool runs: a retry then resumes these exact calls instead of asking again."""
        usage = dict(ai.usage_metadata or {})
        tokens = agent_limits.turn_tokens(ai, messages)
        self.save(session, messages, tokens=tokens, turns=turn)
        if tokens:
            limits.add_tokens(session.rt, session.worker.name, tokens)
        redactor = session.rt.redactor  # before `_short`: a cut value would escape the key patterns
        calls = ", ".join(
            f"{self_name(c['name'])}({_short(redactor.value(c['args']), 120)})" for c in ai.tool_calls
        )
        said = _short(_content(ai)) if _content(ai) else ""
        text = (
            f"🧠 step {turn}: "
            + (f"{said} → " if said and calls else said)
            + (f"calls {calls}" if calls else "")
        )
        session.observe(
            f"m{turn}",
            defang(text.rstrip(": ")),
            detail={"message": messages_to_dict([ai])[0], "usage": usage},
        )

    # -- tool calls through the gate -----------------------------------------------------------
    def resolve(
        self, session: Session, names: ToolNames, messages: list[AnyMessage]
    ) -> tuple[list[ToolMessage], bool]:
        """Answer the last turn's unanswered tool calls; True when one waits on a human."""
        ai = next(m for m in reversed(messages) if isinstance(m, AIMessage))
        turn = self.turns(session)
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
                rationale=defang(_content(ai)) or f"{tool} requested by the model",
            )
            if outcome.kind == "parked":
                parked = True
                continue
            if outcome.kind == "result":
                shown = _short(session.rt.redactor.value(outcome.result or {}))  # redacted before it is cut
                session.observe(
                    key,
                    f"🔎 {tool}: {defang(shown)}",
                    detail={"tool": tool, "args": call["args"], "result": outcome.result},
                )
            answers.append(
                ToolMessage(
                    content=_tool_content(tool, outcome, session.rt.redactor),
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


def self_name(model_name: str) -> str:
    return model_name.replace("__", ".", 1)


def _tool_content(tool: str, outcome: CallOutcome, redactor: Redactor) -> str:
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
    if p.status == "shadow_approved":
        return f"SHADOW MODE: {p.decided_by} would approve; nothing was done."
    return f"NOT EXECUTED ({p.status}): {untrusted(tool, p.error or '')}"
