"""A tool result as people read it: the tool's `summary:` template, else a few labelled facts; never JSON.

The default picks the first scalar fields (ids, names, amounts, times) in the tool's order, formatted by
`bot/core/formatting.py` with the tool's declared `fields:` formats, and counts lists and nested records
instead of dumping them. The text is bounded (`LIMIT`) and carries no braces from the data's structure.
A summary template that fails at run time (a missing field, the sandbox's limits) falls back to the default
and is logged: an observation is never lost to a config mistake.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError

from bot.core.config.models import WorkerConfig
from bot.core.formatting import Formats
from bot.core.messages import label as arg_label
from bot.core.messages import value_text
from bot.core.templating import render

log = logging.getLogger(__name__)
LIMIT = 300  # characters of one observation
FACTS = 4  # labelled facts in a default summary
VALUE_LIMIT = 100  # characters of one value
LIST_LIMIT = 240  # characters of a fact listing up to three values


def label(key: str) -> str:
    """`requested_credit` → `Requested credit`; `sla_hours_left` → `Sla hours left`."""
    text = str(key).replace("_", " ").replace("-", " ").strip()
    return (text[:1].upper() + text[1:])[:40] or "Value"


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())  # one line: a result's newlines would break a fact list
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def fact_value(value: Any, formats: Formats, fmt: str = "auto") -> str:
    """One value as a fact: scalars formatted, up to three listed scalars joined, anything else counted."""
    if _scalar(value):
        return _cut(formats.value(value, fmt), VALUE_LIMIT)
    if isinstance(value, list | tuple):
        if not value:
            return "none"
        if all(_scalar(v) for v in value):
            shown = "; ".join(_cut(formats.value(v), VALUE_LIMIT) for v in value[:3])
            more = f" and {len(value) - 3} more" if len(value) > 3 else ""
            return _cut(shown + more, LIST_LIMIT)
        return f"{len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, Mapping):
        return f"{len(value)} field{'s' if len(value) != 1 else ''}"
    return _cut(str(value), VALUE_LIMIT)


def default_summary(
    result: Any,
    formats: Formats,
    *,
    formats_of: Mapping[str, str] | None = None,
    limit: int = LIMIT,
    facts: int = FACTS,
) -> str:
    """A few labelled facts: `Ticket id: 1042 · Subject: Checkout down · Requested credit: $40`."""
    formats_of = formats_of or {}
    if not isinstance(result, Mapping):
        return _cut(fact_value(result, formats), limit)
    if not result:
        return "no data"
    scalars = [(k, v) for k, v in result.items() if _scalar(v)]
    rest = [(k, v) for k, v in result.items() if not _scalar(v)]
    chosen = (scalars + rest)[:facts]
    facts = [f"{label(k)}: {fact_value(v, formats, formats_of.get(str(k), 'auto'))}" for k, v in chosen]
    more = len(result) - len(chosen)
    tail = f" (+{more} more)" if more > 0 else ""
    return _cut(" · ".join(facts), limit - len(tail)) + tail


def _formats_of(tool: str, worker: WorkerConfig) -> dict[str, str]:
    policy = worker.policy(tool)
    return {k: spec.format for k, spec in policy.fields.items()} if policy else {}


def arg_facts(
    args: Mapping[str, Any], *, tool: str, worker: WorkerConfig, formats: Formats | None = None
) -> list[tuple[str, str]]:
    """A proposal's arguments as (label, value), the same on its card, in the thread and in the verdict:
    the label from the tool's `fields.<x>.label` (else `account_id` -> "Account ID"), the value formatted
    with its `fields.<x>.format` in the reader's `formats` (else the worker's): 40.0 reads `$40`."""
    formats = formats or worker.formats
    policy = worker.policy(tool)
    specs = policy.fields if policy else {}
    facts = []
    for key, value in args.items():
        spec = specs.get(str(key))
        name = spec.label if spec and spec.label else arg_label(str(key))
        # Whole, not cut or counted: an approver sees every argument (renderers cut to their platform's
        # limits with a note); a nested value reads as it is.
        shown = formats.value(value, spec.format if spec else "auto") if _scalar(value) else value_text(value)
        facts.append((name, shown))
    return facts


def describe_args(
    args: Mapping[str, Any], *, tool: str, worker: WorkerConfig, formats: Formats | None = None
) -> str:
    """A proposal's arguments as labelled facts (`Account ID: ACME-7 · Amount: $40`), up to 8."""
    shown = arg_facts(args, tool=tool, worker=worker, formats=formats)
    more = f" (+{len(shown) - 8} more)" if len(shown) > 8 else ""
    return _cut(" · ".join(f"{k}: {v}" for k, v in shown[:8]), LIMIT - len(more)) + more


def summarize(
    result: Any,
    *,
    tool: str,
    worker: WorkerConfig,
    formats: Formats | None = None,
    template: str | None = None,
) -> str:
    """The tool's `summary:` template (or `template`, e.g. a preview's) over its result, else
    `default_summary`."""
    formats = formats or worker.formats
    policy, formats_of = worker.policy(tool), _formats_of(tool, worker)
    template = template or (policy.summary if policy else None)
    if template and isinstance(result, Mapping):
        shown = {
            str(k): formats.value(v, formats_of.get(str(k), "auto")) if _scalar(v) else v
            for k, v in result.items()
        }
        try:
            return _cut(render(template, {**shown, "result": result, **formats.helpers()}), LIMIT)
        except TemplateError as exc:
            log.warning("summary template of %s failed, showing the default: %s", tool, exc)
    return default_summary(result, formats, formats_of=formats_of)
