"""What a planner may do during a mission: observe, call a tool through the gate, propose, save progress.

Every tool call goes through `call`, so the gate sits outside whatever model drives the planner.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.core import limits, metrics
from bot.core.audit import Sealed
from bot.core.defang import product
from bot.core.errors import ToolError
from bot.core.formatting import Formats
from bot.core.messages import rule_words
from bot.core.models import Mission, Proposal
from bot.core.policy import gate
from bot.core.runtime import Runtime
from bot.missions import preview, proposing
from bot.missions.kill_switch import refuse_if_halted
from bot.missions.notify import Notifier
from bot.tools.base import normalize_args


@dataclass(frozen=True, kw_only=True)
class CallOutcome:
    kind: Literal["result", "parked", "refused", "settled", "error"]
    result: dict[str, Any] | None = None
    proposal: Proposal | None = None
    message: str = ""

    def as_data(self) -> dict[str, Any]:
        """What a later step (or the model) sees of this call."""
        if self.kind == "result":
            return self.result or {}
        if self.proposal is not None:
            p = self.proposal
            return {
                "status": p.status,
                "result": p.result,
                "decided_by": p.decided_by,
                "reason_code": p.reason_code,
                "comment": p.comment,
                "error": p.error,
            }
        return {"status": self.kind, "message": self.message}


def _saving(state: dict[str, Any]) -> Callable[[Mission], Mission]:
    return lambda m: m.model_copy(update={"state": {**m.state, **state}})


class Session:
    def __init__(self, rt: Runtime, mission: Mission) -> None:
        self.rt = rt
        self.mission = mission
        self.worker = rt.worker(mission.worker)
        self.spec = self.worker.missions[mission.mission]
        self.notify = Notifier(rt)
        self.refusals: list[str] = []
        self._read_event: Sealed | None = None  # a read's `tool.called`, appended with the next observation
        self._ahead: limits.CallAhead | None = None  # the next call's start, read with the last observation

    @property
    def formats(self) -> Formats:
        """How values read in this mission's thread: the requester's locale when known, else the worker's."""
        return self.worker.formats.for_reader(self.mission.locale)

    # -- progress --------------------------------------------------------------------------
    def observe(
        self,
        key: str,
        text: str,
        detail: dict[str, Any] | None = None,
        *,
        save: dict[str, Any] | None = None,
        call_next: str | None = None,
    ) -> None:
        """`save`: progress (as `save` takes it) written with the observation, in the same script.
        `call_next` (with `save`): the key of the step that calls a tool next: its call start (the switch,
        its proposal, its admission under the cap) is read in that script too, and `call` takes it from
        there (a crash after leaves the step admitted: its retry is admitted again, as any retried step)."""
        first, self._read_event = self._read_event, None
        if save is None:
            self.notify.observe(self.mission, key, text, detail, first=first)
            return
        ahead = None
        if call_next is not None:
            proposal_id = f"{self.mission.id}-{call_next}"
            ahead = limits.call_ahead(
                self.rt, self.worker, self.mission.id, call_next, proposal_id=proposal_id
            )
        changed = self.notify.observe(
            self.mission, key, text, detail, change=_saving(save), first=first, ahead=ahead
        )
        self._ahead = ahead if ahead is not None and ahead.reply is not None else None
        if changed is None:  # not applied with it (a step recorded by an earlier try): on its own
            self.save(**save)
        else:
            self.mission = changed

    def progress(self, text: str) -> None:
        self.notify.status(self.mission, text)

    def save(self, **state: Any) -> None:
        self.flush()
        self.mission = self.rt.store.mutate_mission(self.mission.id, _saving(state))

    def flush(self) -> None:
        """Append a read's event still waiting for an observation (a caller that did not observe next)."""
        first, self._read_event = self._read_event, None
        if first is not None:
            self.rt.audit.append(first)

    # -- tools ---------------------------------------------------------------------------
    def call(
        self,
        key: str,
        tool: str,
        args: Mapping[str, Any],
        *,
        rationale: str = "",
        observe_next: bool = False,
    ) -> CallOutcome:
        """Run a read, propose a write/execute, or refuse, as the gate says. `key` is stable per step.
        `observe_next`: the caller observes a read's result next (before any other step), so the read's
        `tool.called` event is appended with that observation, in its script: one round trip less, and a
        crash before it leaves neither (the step, read included, runs again)."""
        self.flush()
        proposal_id = f"{self.mission.id}-{key}"
        # One round trip: the step's proposal if a run made it already, else the switch (the one checked
        # here is the gate's) and, unless it is pulled, the call's admission under the mission's cap. None
        # when the last observation's script read it already for this step (`observe(call_next=...)`).
        ahead, self._ahead = self._ahead, None
        begun = ahead.start() if ahead is not None and ahead.key == key else None
        if begun is None:
            begun = limits.begin_tool_call(
                self.rt, self.worker, self.mission.id, key, proposal_id=proposal_id
            )
        if begun.proposal is not None:
            return self._existing(key, begun.proposal)
        control = begun.control
        refuse_if_halted(self.rt, self.worker.name, control=control)
        if not begun.admitted:
            cap = self.worker.limits.tool_calls_per_mission
            rule = f"limit of {cap} tool calls per mission reached"  # the planner says so once, then stops
            self._audit(
                "tool.refused",
                tool=tool,
                rule=rule,
            )
            return CallOutcome(kind="refused", message=rule)
        impl = self.rt.toolbox.tools_for(self.worker).get(tool)
        try:
            normalized = normalize_args(impl.spec, args) if impl else dict(args)
        except ToolError as exc:
            self.observe(key, product("⚠️ {error}", error=str(exc)))  # it quotes the model's argument names
            return CallOutcome(kind="error", message=str(exc))
        decision = gate(self.worker, control, tool, normalized)
        if decision.verdict == "refuse" or impl is None:
            rule = decision.rule if decision.verdict == "refuse" else f"{tool} is unavailable"
            self._audit(
                "tool.refused",
                tool=tool,
                args=normalized,
                rule=rule,
            )
            plain = rule_words(rule, tier=decision.tier)  # "forbid: amount > 900" in words
            self.observe(
                key, product("🚫 Refused {tool}: {rule}", tool=tool, rule=plain)
            )  # a model-made name
            self.refusals.append(f"{tool} ({plain})")
            return CallOutcome(kind="refused", message=rule)
        if decision.verdict == "run":
            return self._read(key, tool, impl, normalized, observe_next=observe_next)
        # What it will change, for the approvers (an auto-approved action runs now: nothing to show)
        shown = None if decision.verdict == "auto" else preview.read(self.rt, self.worker, tool, normalized)
        proposal = Proposal(
            id=proposal_id,
            mission_id=self.mission.id,
            worker=self.worker.name,
            tool=tool,
            args=normalized,
            tier=decision.tier,
            rule=decision.rule,
            rationale=rationale,
            description=impl.spec.description,
            shadow=decision.shadow,
            requester=self.mission.requester,
            created_at=self.rt.clock(),
            context=list(self.mission.context),
            tool_hash=impl.spec.definition_hash,
            status="approved" if decision.verdict == "auto" else "pending",
            decided_by="auto" if decision.verdict == "auto" else None,
            decided_at=self.rt.clock() if decision.verdict == "auto" else None,
            preview=shown.text if shown else None,
            preview_guard=shown.guard if shown else None,
        )
        return self._outcome(proposing.propose(self, key, proposal))

    def _existing(self, key: str, proposal: Proposal) -> CallOutcome:
        if proposal.settled and not proposing.owes_undo_card(self, proposal):
            return self._outcome(proposal)
        return self._outcome(proposing.follow_up(self, key, proposal))  # finish what a crash interrupted

    def _audit(self, kind: str, **data: Any) -> None:
        """A tool event of this mission, recorded as its worker."""
        w = self.worker.name
        self.rt.audit.record(kind, actor=f"worker:{w}", worker=w, mission=self.mission.id, **data)

    @staticmethod
    def _outcome(proposal: Proposal) -> CallOutcome:
        if proposal.settled:
            return CallOutcome(kind="settled", proposal=proposal)
        return CallOutcome(kind="parked", proposal=proposal)

    def _read(
        self, key: str, tool: str, impl: Any, args: dict[str, Any], *, observe_next: bool
    ) -> CallOutcome:
        try:
            with metrics.timed_tool(tool):
                result = impl.call(args, idempotency_key=None)
        except ToolError as exc:
            self.observe(key, product("⚠️ {tool} failed: {error}", tool=tool, error=str(exc)))
            return CallOutcome(kind="error", message=str(exc))
        if observe_next:
            w = self.worker.name
            self._read_event = self.rt.audit.seal(
                "tool.called", actor=f"worker:{w}", worker=w, mission=self.mission.id, tool=tool, args=args
            )
        else:
            self._audit("tool.called", tool=tool, args=args)
        return CallOutcome(kind="result", result=result)
