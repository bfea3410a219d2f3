"""What the digest counts of audit events, shared by the pass over the stream and the hourly rollups."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from bot.core.config.models import WorkerConfig

WEEK = timedelta(days=7)
# "*Verdict (M-1): Resolved.*" (earlier releases) or "✅ Verdict for mission M-1: Resolved." (verdict.py)
_HEAD = re.compile(r"Verdict (?:\([^)]*\)|for mission \S+): (\w+)")
# The verdict names the outcome (rejected, expired…); the digest counts what did not resolve as closed.
_CLOSED = {"closed", "rejected", "expired", "halted", "refused", "cancelled"}
ENDS = {"mission.done", "mission.failed", "mission.cancelled", "mission.halted"}
HUMAN = {
    "decision.approved": "approved",
    "decision.rejected": "rejected",
    "decision.shadow_approved": "shadow_approved",
    "decision.shadow_rejected": "shadow_rejected",
}


def fingerprint(worker: WorkerConfig | None) -> str:
    """What a stored working-minutes figure depends on: the worker's working hours."""
    hours = worker.escalation.working_hours if worker else None
    return hours.model_dump_json() if hours else ""


def verdict_kind(kind: str, data: dict[str, Any]) -> str:
    status = kind.removeprefix("mission.")
    found = _HEAD.search(data.get("verdict") or "")
    if status != "done" or not found:
        return status
    head = found.group(1).lower()
    return "closed" if head in _CLOSED else head


def add_evidence(evidence: dict[str, list[Any]], tool: str, approved: bool, args: dict[str, Any]) -> None:
    """What `promotions` needs of a decision: counts, and per argument the largest approved number."""
    slot = evidence.setdefault(tool, [0, 0, {}])
    slot[0] += 1
    if not approved:
        return
    slot[1] += 1
    for name, value in args.items():
        arg = slot[2].setdefault(name, [0, None])
        if isinstance(value, int | float) and not isinstance(value, bool):
            arg[0] += 1
            arg[1] = value if arg[1] is None else max(arg[1], value)


def longest_wait(worker: WorkerConfig) -> timedelta:
    """Wall time a proposal can stay pending: `expire_after_minutes` of working time, stretched by
    the hours."""
    wait = timedelta(minutes=worker.escalation.expire_after_minutes)
    hours = worker.escalation.working_hours
    if hours is not None:  # e.g. 40 working hours a week: a working minute takes up to 168/40 wall minutes
        wait *= 168 / (len(hours.days) * (hours.hours[1] - hours.hours[0]))
    return wait + timedelta(days=1)  # a sweep runs every minute; a day covers a scheduler outage


def reach(worker: WorkerConfig) -> timedelta:
    """How far back from its end a digest counts: two weeks, or the error budget's window when longer."""
    return max(2 * WEEK, timedelta(days=worker.error_budget.window_days))
