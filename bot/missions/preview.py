"""Effect preview: what an action will change, read when it is proposed and again right before it runs.

A tool's `preview:` (bot/core/config/models.py `PreviewSpec`) names a read-tier tool called with arguments
templated over the proposal's. Its result is shown on the card as "What will change" (its `summary:`
template, else a few facts); its `guard:` fields are stored with the proposal. Before the execution, the
preview is read again: if a guarded fact moved (the ticket was closed, a limit was reached), nothing runs,
the proposal goes back to pending with the new preview and a line saying what changed, and the approvers
are asked again (`Executor`, bot/missions/execution.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError

from bot.core.config.models import PreviewSpec, WorkerConfig
from bot.core.errors import ToolError
from bot.core.models import Proposal
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
        result = _call(rt, worker, spec, args)
    except (ToolError, TemplateError) as exc:
        return Preview(text=f"Preview unavailable: {exc}", guard={UNREADABLE: str(exc)})
    text = summarize(rt.redactor.value(result), tool=spec.tool, worker=worker, template=spec.summary)
    guard = {k: result.get(k) for k in spec.guard} if spec.guard else dict(result)
    return Preview(text=text, guard=json.loads(json.dumps(guard, default=str)))  # as stored in Redis


def _call(rt: Runtime, worker: WorkerConfig, spec: PreviewSpec, args: dict[str, Any]) -> dict[str, Any]:
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
    changed = changes(proposal.preview_guard, fresh.guard, worker=worker, tool=spec.tool if spec else "")
    return (fresh, changed) if changed else None
