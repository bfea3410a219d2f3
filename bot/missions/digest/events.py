"""What the digest counts of audit events, shared by the pass over the stream and the hourly rollups."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.core.config.models import WorkerConfig

WEEK = timedelta(days=7)
WEEKS = 8  # the weeks a digest computes: this one and 7 before it, for the trends
PROMOTION_WEEKS = 2  # the evidence a promotion suggestion reads (`Digest.promotion_days`)
RUBBER_STAMP_SECONDS = 5  # an approval faster than this after its card appeared counts as "fast"
# "*Verdict (M-1): Resolved.*" (earlier releases) or "✅ Verdict for mission M-1: Resolved." (verdict.py)
_HEAD = re.compile(r"Verdict (?:\([^)]*\)|for mission \S+): (\w+)")
ENDS = {"mission.done", "mission.failed", "mission.cancelled", "mission.halted", "mission.expired"}
# What a closed mission's verdict lists, by the mark `bot/missions/verdict.py` puts on each proposal's
# line, most telling first: a mission closed with a rejection is "rejected", not "closed".
_CLOSED_BY = (("✋", "rejected"), ("⌛", "expired"), ("🛑", "halted"), ("🚫", "refused"), ("👥", "shadow"))


def fingerprint(worker: WorkerConfig | None) -> str:
    """What an hour's stored late decisions depend on: the worker's working hours and response target."""
    if worker is None:
        return ""
    hours = worker.escalation.working_hours
    return f"{worker.escalation.response_target_minutes} {hours.model_dump_json() if hours else ''}"


def edited_term(outcome: str, event: dict[str, Any]) -> str | None:
    """The override's "edited" term: an approval (or a shadow one) with changes to the arguments counts
    once more, as `edited` (`shadow_edited`); its decision event carries `original_args`."""
    if outcome in {"approved", "shadow_approved"} and event["data"].get("original_args") is not None:
        return "edited" if outcome == "approved" else "shadow_edited"
    return None


def verdict_kind(kind: str, data: dict[str, Any]) -> str:
    """A mission's outcome, named apart: resolved, rejected, expired, refused, shadow, failed, halted,
    cancelled (or the verdict's own head, e.g. done, when nothing else says more)."""
    status = kind.removeprefix("mission.")
    text = data.get("verdict") or ""
    found = _HEAD.search(text)
    if status != "done" or not found:
        return status
    head = found.group(1).lower()
    if head == "closed":
        return next((name for mark, name in _CLOSED_BY if mark in text), head)
    return head


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _low(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _high(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def add_evidence(evidence: dict[str, list[Any]], tool: str, approved: bool, args: dict[str, Any]) -> None:
    """What `promotions` needs of a decision: counts, and per argument the largest approved number and
    the smallest rejected one (a suggested bound stays below it)."""
    slot = evidence.setdefault(tool, [0, 0, {}])
    slot[0] += 1
    slot[1] += approved
    for name, value in args.items():
        if not _number(value):
            continue
        arg = slot[2].setdefault(name, [0, None, None])
        if approved:
            arg[0] += 1
            arg[1] = _high(arg[1], value)
        else:
            arg[2] = _low(arg[2], value)


def merge_evidence(evidence: dict[str, list[Any]], more: dict[str, list[Any]]) -> None:
    """Add one hour's `add_evidence` sums to `evidence`."""
    for tool, (n, ok, args) in more.items():
        slot = evidence.setdefault(tool, [0, 0, {}])
        slot[0], slot[1] = slot[0] + n, slot[1] + ok
        for name, (count, top, low) in args.items():
            arg = slot[2].setdefault(name, [0, None, None])
            arg[0] += count
            arg[1], arg[2] = _high(arg[1], top), _low(arg[2], low)


def longest_wait(worker: WorkerConfig) -> timedelta:
    """Wall time a proposal can stay pending: `expire_after_minutes` of working time, stretched by
    the hours."""
    wait = timedelta(minutes=worker.escalation.expire_after_minutes)
    hours = worker.escalation.working_hours
    if hours is not None:  # e.g. 40 working hours a week: a working minute takes up to 168/40 wall minutes
        wait *= 168 / (len(hours.days) * (hours.hours[1] - hours.hours[0]))
    return wait + timedelta(days=1)  # a sweep runs every minute; a day covers a scheduler outage


def reach(worker: WorkerConfig, weeks: int = WEEKS) -> timedelta:
    """How far back from its end a digest counts: its weeks, or the error budget's window when longer."""
    return max(weeks * WEEK, timedelta(days=worker.error_budget.window_days))
