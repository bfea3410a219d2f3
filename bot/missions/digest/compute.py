"""One pass over the audit stream from two weeks back
(plus the week's mission records for tokens) -> a `Digest`.

The pass starts at the stream id for the earliest event it needs (`Audit.start_at`): the week before
(for the arrows), or the error budget's window when that is longer, less the longest a proposal
can wait for its decision, so a decision in the window still finds its `proposal.created`.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from bot.core.config.models import WorkerConfig
from bot.core.errors import NotFound
from bot.core.models import Mission
from bot.core.runtime import Runtime
from bot.core.worktime import working_minutes
from bot.missions.digest.model import Digest, Promotion, ReasonCount, WeekStats
from bot.missions.trust import SKEW, RejectCounter
from bot.missions.undo import is_undo

WEEK = timedelta(days=7)
RUBBER_STAMP_SECONDS = 5
RUBBER_STAMP_MIN_APPROVALS = 20
_HEAD = re.compile(r"Verdict \([^)]*\): (\w+)")
HUMAN = {
    "decision.approved": "approved",
    "decision.rejected": "rejected",
    "decision.shadow_approved": "shadow_approved",
    "decision.shadow_rejected": "shadow_rejected",
}


def _verdict_kind(kind: str, data: dict[str, Any]) -> str:
    status = kind.removeprefix("mission.")
    found = _HEAD.search(data.get("verdict") or "")
    return found.group(1).lower() if status == "done" and found else status


class _Pass:
    """Accumulates both weeks, the error-budget window and the promotion evidence in one walk."""

    def __init__(self, rt: Runtime, worker: WorkerConfig, end: datetime) -> None:
        self.worker, self.end = worker, end
        self.weeks = [WeekStats(), WeekStats()]  # this week, the week before
        self.budget = RejectCounter(worker, end=end)
        self.created: dict[str, tuple[datetime, str, dict[str, Any], str | None]] = {}  # at, tool, args, rule
        self.breached: list[set[str]] = [set(), set()]
        self.escalated: list[set[str]] = [set(), set()]
        self.reasons: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.by_approver: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.evidence: dict[str, list[tuple[bool, dict[str, Any]]]] = defaultdict(list)  # tool -> (ok, args)

    def week(self, at: datetime) -> int | None:
        if self.end - WEEK <= at < self.end:
            return 0
        if self.end - 2 * WEEK <= at < self.end - WEEK:
            return 1
        return None

    def add(self, event: dict[str, Any]) -> None:
        at, kind, data, pid = (
            datetime.fromisoformat(event["at"]),
            event["kind"],
            event["data"],
            event["proposal"],
        )
        if kind == "proposal.created":
            self.created[pid] = (at, data.get("tool", ""), data.get("args") or {}, data.get("rule"))
        self.budget.add(event)
        i = self.week(at)
        if i is None:
            return
        w = self.weeks[i]
        if kind == "mission.created":
            w.missions += 1
        elif kind in {"mission.done", "mission.failed", "mission.cancelled", "mission.halted"}:
            verdict = _verdict_kind(kind, data)
            w.verdicts[verdict] = w.verdicts.get(verdict, 0) + 1
        elif kind == "proposal.created":
            w.proposals += 1
            w.waited_for_human += 1  # an auto-approval takes it back below
        elif kind == "decision.auto_approved":
            w.auto_approved += 1
            w.waited_for_human -= 1
        elif kind in HUMAN:
            self._decision(i, w, at, HUMAN[kind], event)
        elif kind == "execution.executed" and is_undo(pid):  # requested undos do not count until they run
            w.undone += 1
        elif kind == "escalation.reminded":
            self.escalated[i].add(pid)
            self.breached[i].add(pid)
        elif kind == "escalation.expired":
            w.expiries += 1
            self.breached[i].add(pid)

    def _decision(self, i: int, w: WeekStats, at: datetime, outcome: str, event: dict[str, Any]) -> None:
        setattr(w, outcome, getattr(w, outcome) + 1)
        pid, actor = event["proposal"], event["actor"]
        created = self.created.get(pid)
        if created is not None:
            seconds = (at - created[0]).total_seconds()
            w.decision_seconds.append(seconds)
            target = self.worker.escalation.response_target_minutes
            if working_minutes(created[0], at, self.worker.escalation.working_hours) > target:
                self.breached[i].add(pid)
            if outcome == "approved" and seconds < RUBBER_STAMP_SECONDS:
                w.fast_approvals += 1
        if outcome == "rejected" and i == 0:
            code = event["data"].get("reason_code") or "none"
            self.reasons[code] += 1
            self.examples.setdefault(code, event["mission"])
        if outcome in {"approved", "rejected"}:
            if i == 0:
                self.by_approver[actor][outcome == "rejected"] += 1
            if created is not None:
                self.evidence[created[1]].append((outcome == "approved", created[2]))

    def finish(self) -> None:
        for i, w in enumerate(self.weeks):
            w.escalated, w.sla_breaches = len(self.escalated[i]), len(self.breached[i])


def suggest_rule(approved_args: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The narrowest auto_approve rule covering what humans approved: numbers up to the largest approved."""
    rule: dict[str, dict[str, Any]] = {}
    for name in sorted({k for args in approved_args for k in args}):
        values = [a.get(name) for a in approved_args]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            rule[name] = {"lte": max(values)}
    return rule


def _promotions(
    worker: WorkerConfig, evidence: dict[str, list[tuple[bool, dict[str, Any]]]]
) -> list[Promotion]:
    if worker.promotion is None:
        return []
    found = []
    for tool, outcomes in sorted(evidence.items()):
        approved = [args for ok, args in outcomes if ok]
        if len(outcomes) < worker.promotion.min_decisions or not approved:
            continue
        if len(approved) / len(outcomes) < worker.promotion.min_acceptance:
            continue
        rule = suggest_rule(approved)
        if not rule:
            continue  # nothing numeric to bound: a rule would approve everything, so none is suggested
        found.append(Promotion(tool=tool, decisions=len(outcomes), approved=len(approved), condition=rule))
    return found


def _longest_wait(worker: WorkerConfig) -> timedelta:
    """Wall time a proposal can stay pending: `expire_after_minutes` of working time,
    stretched by the hours."""
    wait = timedelta(minutes=worker.escalation.expire_after_minutes)
    hours = worker.escalation.working_hours
    if hours is not None:  # e.g. 40 working hours a week: a working minute takes up to 168/40 wall minutes
        wait *= 168 / (len(hours.days) * (hours.hours[1] - hours.hours[0]))
    return wait + timedelta(days=1)  # a sweep runs every minute; a day covers a scheduler outage


def first_needed(worker: WorkerConfig, end: datetime) -> datetime:
    """The earliest event time the digest ending at `end` reads."""
    window = max(2 * WEEK, timedelta(days=worker.error_budget.window_days))
    return end - window - _longest_wait(worker) - SKEW


def thread_root(mission: Mission) -> str | None:
    """The root message of the mission's thread: the request's thread, else the status message."""
    if mission.thread:
        return mission.thread
    ref = mission.status_ref
    return (ref.thread or ref.ts or None) if ref else None


def _link(rt: Runtime, mission_id: str) -> str | None:
    """Where a person can open the mission: its thread, by its platform's messenger (console: no URL)."""
    try:
        mission = rt.store.mission(mission_id)
    except NotFound:  # records expire before the audit does
        return None
    root = thread_root(mission)
    if not root:
        return None
    return rt.messengers.permalink(mission.platform, conversation=mission.conversation, message=root)


def compute(rt: Runtime, worker_name: str, *, end: datetime) -> Digest:
    """The digest of the 7 days before `end` (and the 7 before those for the arrows)."""
    worker = rt.worker(worker_name)
    acc = _Pass(rt, worker, end)
    for event in rt.audit.events(start=rt.audit.start_at(first_needed(worker, end))):
        if event["worker"] == worker_name:
            acc.add(event)
    acc.finish()
    tokens = sum(
        rt.store.mission(m).tokens
        for m in rt.store.missions_of(worker_name, since=end - WEEK)
        if rt.store.mission(m).created_at < end
    )
    stamps = sorted(
        a for a, (ok, no) in acc.by_approver.items() if no == 0 and ok > RUBBER_STAMP_MIN_APPROVALS
    )
    return Digest(
        worker=worker.name,
        display_name=worker.display_name,
        autonomy=rt.control(worker.name).autonomy,
        start=end - WEEK,
        end=end,
        timezone=worker.digest.timezone,
        current=acc.weeks[0],
        previous=acc.weeks[1],
        top_reasons=[
            ReasonCount(
                code=c, count=n, example_mission=acc.examples[c], example_link=_link(rt, acc.examples[c])
            )
            for c, n in sorted(acc.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        ],
        tokens=tokens,
        token_budget=worker.limits.weekly_token_budget,
        error_budget=acc.budget.status(),
        rubber_stamp_approvers=stamps,
        promotions=_promotions(worker, acc.evidence),
    )
