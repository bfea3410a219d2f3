"""The LLM planner: a LangChain 1.x agent whose every tool call passes the policy gate.

The gate sits in an `after_model` middleware (the seam LangChain's own human-in-the-loop middleware
uses): each tool call the model makes goes through `Session.call` (agent_tool_calls.py) before
LangChain's tool node could run it. A read answers at once; a write/execute becomes a Proposal and the
run parks. The conversation is saved after every model turn, so a resume, a crash or a retry continues
from the stored messages: calls whose proposals have settled get their outcome as the tool message.
"""

from __future__ import annotations

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
from bot.core.defang import defang
from bot.core.readable import describe_args
from bot.missions.planners import agent_limits, malformed
from bot.missions.planners.agent_context import ToolNames, model_tools, request_message, system_prompt
from bot.missions.planners.agent_context import untrusted as _untrusted
from bot.missions.planners.agent_tool_calls import content_of, resolve_calls, self_name, short, with_call_ids
from bot.missions.planners.base import Finished, Parked
from bot.missions.planners.chat_models import ModelFactory, ModelUnavailable
from bot.missions.planners.model_calls import ModelCalls, ModelFailed
from bot.missions.session import Session

DEFAULT_MAX_STEPS = 12


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
        ai = with_call_ids(ai, turn)
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
        return Finished(verdict=defang(content_of(final)) or None)

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
        redactor = session.rt.redactor  # before `short`: a cut value would escape the key patterns
        calls = ", ".join(
            _call_text(session, self_name(c["name"]), redactor.value(c["args"])) for c in ai.tool_calls
        )
        said = short(content_of(ai)) if content_of(ai) else ""
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

    # -- tool calls through the gate (bot/missions/planners/agent_tool_calls.py) ----------------
    def resolve(
        self, session: Session, names: ToolNames, messages: list[AnyMessage]
    ) -> tuple[list[ToolMessage], bool]:
        """Answer the last turn's unanswered tool calls; True when one waits on a human."""
        return resolve_calls(session, names, messages, turn=self.turns(session))


def _call_text(session: Session, tool: str, args: Any) -> str:
    """A call as people read it: `helpdesk.issue_credit (Account ID: ACME-7 · Amount: $40)`, never JSON."""
    if not isinstance(args, dict):
        return f"{tool} ({short(args, 120)})"
    shown = describe_args(args, tool=tool, worker=session.worker, formats=session.formats) if args else ""
    return f"{tool} ({short(shown, 160)})" if shown else tool
