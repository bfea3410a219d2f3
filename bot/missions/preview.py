"""Effect preview: what an action will change, read when it is proposed and again right before it runs.

A tool's `preview:` (bot/core/config/tools.py `PreviewSpec`) names a read-tier tool called with arguments
templated over the proposal's, or asks for a dry run (`dry_run: true`): the same MCP tool called with the
proposal's arguments and `dry_run: true`, when its input schema declares that boolean (`ToolSpec.dry_run`;
`missionbot check` refuses the config otherwise). The gate treats a dry run as a read (after the kill
switch and `forbid`); it goes with no idempotency key and leaves no execution record, and the MCP client
sets `dry_run` itself, so neither can stand in for the other (bot/tools/mcp.py).

The result is shown on the card as "What will change" (its `summary:` template, else a few facts); its
`guard:` fields are stored with the proposal. Before the execution, the
preview is read again: if a guarded fact moved (the ticket was closed, a limit was reached), nothing runs,
the proposal goes back to pending with the new preview and a line saying what changed, and the approvers
are asked again (`Executor`, bot/missions/execution.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError

from bot.core.config.models import WorkerConfig
from bot.core.config.tools import PreviewSpec
from bot.core.errors import ToolError
from bot.core.models import Proposal
from bot.core.policy.tool_gate import gate
from bot.core.readable import fact_value, label, summarize
from bot.core.runtime import Runtime
from bot.core.templating import render_value
from bot.tools.base import normalize_args

UNREADABLE = "__unreadable__"  # the guard of a preview that could not be read: it never matches a reading


@dataclass(frozen=True, kw_only=True)
class Preview:
    text: str  # "What will change", as the card shows it
    guard: dict[str, Any]  # the facts whose change stops the execution


def spec_of(worker: WorkerConfig, tool: str) -> PreviewSpec | None:
    policy = worker.policy(tool)
    return policy.preview if policy else None


def read(rt: Runtime, worker: WorkerConfig, tool: str, args: dict[str, Any]) -> Preview | None:
    """The tool's preview over `args`; None when it declares none. A preview that cannot be read says so
    (its guard then never matches, so an execution checked against it is asked again)."""
    spec = spec_of(worker, tool)
    if spec is None:
        return None
    try:
        result = _dry_run(rt, worker, tool, args) if spec.dry_run else _call(rt, worker, spec, args)
    except (ToolError, TemplateError) as exc:
        return Preview(text=f"Preview unavailable: {exc}", guard={UNREADABLE: str(exc)})
    source = spec.tool or tool  # whose `fields:` format the result
    text = summarize(rt.redactor.value(result), tool=source, worker=worker, template=spec.summary)
    guard = {k: result.get(k) for k in spec.guard} if spec.guard else dict(result)
    return Preview(text=text, guard=json.loads(json.dumps(guard, default=str)))  # as stored in Redis


def _dry_run(rt: Runtime, worker: WorkerConfig, tool: str, args: dict[str, Any]) -> dict[str, Any]:
    """The tool's own dry run over the proposal's arguments, as the gate allows a read."""
    impl = rt.toolbox.tools_for(worker).get(tool)
    if impl is None:
        raise ToolError(f"{tool} is not available to this worker")
    if not impl.spec.dry_run:
        raise ToolError(f"{tool} declares no dry_run input: its server offers no dry run")
    decision = gate(worker, rt.control(worker.name), tool, args, dry_run=True)
    if decision.verdict != "run":
        raise ToolError(f"the dry run of {tool} is refused ({decision.rule})")
    result = impl.call(args, idempotency_key=None, dry_run=True)
    return result if isinstance(result, dict) else {"result": result}


def _call(rt: Runtime, worker: WorkerConfig, spec: PreviewSpec, args: dict[str, Any]) -> dict[str, Any]:
    if spec.tool is None:  # the config refuses it; a worker changed in place could still have it
        raise ToolError("a preview names a read-tier tool or asks for a dry run")
    policy = worker.policy(spec.tool)
    if policy is None or policy.tier != "read":  # a preview only reads; `missionbot check` says so too
        raise ToolError(f"preview tool {spec.tool} is not a read-tier tool of this worker")
    impl = rt.toolbox.tools_for(worker).get(spec.tool)
    if impl is None:
        raise ToolError(f"preview tool {spec.tool} is not available to this worker")
    rendered = render_value(spec.args, dict(args))
    result = impl.call(normalize_args(impl.spec, rendered), idempotency_key=None)
    return result if isinstance(result, dict) else {"result": result}


def changes(before: dict[str, Any], after: dict[str, Any], *, worker: WorkerConfig, tool: str) -> str:
    """The guarded facts that moved, in words, formatted as the preview `tool`'s `fields:` say
    ("Balance: $0 → $25; Credits this quarter: 0 → 1"); empty when none did."""
    policy = worker.policy(tool)
    fmt = {k: spec.format for k, spec in policy.fields.items()} if policy else {}
    moved = []
    for key in sorted(set(before) | set(after), key=str):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key == UNREADABLE:
            moved.append(f"the preview could not be read ({new or old})")
            continue
        shown = [fact_value(v, worker.formats, fmt.get(key, "auto")) for v in (old, new)]
        moved.append(f"{label(key)}: {shown[0]} → {shown[1]}")
    return "; ".join(moved)


def recheck(rt: Runtime, proposal: Proposal) -> tuple[Preview, str] | None:
    """Read the preview again before execution: (the new preview, what changed) when a guarded fact
    moved, else None (also for a proposal made without a preview)."""
    if proposal.preview_guard is None:
        return None
    worker = rt.worker(proposal.worker)
    fresh = read(rt, worker, proposal.tool, proposal.args)
    if fresh is None:  # the config dropped the preview since: nothing to compare against
        return None
    spec = spec_of(worker, proposal.tool)
    source = (spec.tool or proposal.tool) if spec else ""
    changed = changes(proposal.preview_guard, fresh.guard, worker=worker, tool=source)
    return (fresh, changed) if changed else None
