"""Two weeks of the audit stream (plus the tokens of the week's missions) -> a `Digest`.

A window of whole hours (a scheduled digest) is read from the hourly rollups (`rollup.py`): a record per
hour, so the cost follows the window, not the events in it. Any other window is one pass over the stream
from the stream id of the earliest event it needs (`Audit.start_at`): the week before (for the arrows),
or the error budget's window when that is longer, less the longest a proposal can wait for its decision,
so a decision in the window still finds its `proposal.created`. Both give the same digest (a test checks).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from bot.core.config.models import WorkerConfig
from bot.core.errors import NotFound
from bot.core.models import Mission
from bot.core.runtime import Runtime
from bot.core.worktime import working_minutes
from bot.missions.digest import rollup
from bot.missions.digest.events import (
    ENDS,
    HUMAN,
    WEEK,
    add_evidence,
    fingerprint,
    longest_wait,
    reach,
    verdict_kind,
)
from bot.missions.digest.model import Digest, Promotion, ReasonCount, WeekStats
from bot.missions.digest.tokens import tokens_of
from bot.missions.trust import SKEW, RejectCounter
from bot.missions.undo import is_undo

RUBBER_STAMP_SECONDS = 5
RUBBER_STAMP_MIN_APPROVALS = 20


class _Pass:
    """Accumulates both weeks, the error-budget window and the promotion evidence in one walk."""

    def __init__(self, worker: WorkerConfig, end: datetime) -> None:
        self.worker, self.end = worker, end
        self.weeks = [WeekStats(), WeekStats()]  # this week, the week before
        self.budget = RejectCounter(worker, end=end)
        self.created: dict[str, tuple[datetime, str, dict[str, Any], str | None]] = {}  # at, tool, args, rule
        self.breached: list[set[str]] = [set(), set()]
        self.escalated: list[set[str]] = [set(), set()]
        self.reasons: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.by_approver: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.evidence: dict[str, list[Any]] = {}  # rollup.add_evidence

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
        elif kind in ENDS:
            verdict = verdict_kind(kind, data)
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
                add_evidence(self.evidence, created[1], outcome == "approved", created[2])

    def merge(self, hour: datetime, b: dict[str, Any]) -> None:
        """One worker's hour from the rollups: the same sums `add` makes of its events."""
        if self.budget.since <= hour < self.end:
            self.budget.rejected += b["budget"][0]
            self.budget.decided += b["budget"][1]
        i = self.week(hour)
        if i is None:
            return
        w = self.weeks[i]
        w.missions += b["missions"]
        for verdict, n in b["verdicts"].items():
            w.verdicts[verdict] = w.verdicts.get(verdict, 0) + n
        w.proposals += b["proposals"]
        w.auto_approved += b["auto"]
        w.waited_for_human += b["proposals"] - b["auto"]
        for outcome, n in b["outcomes"].items():
            setattr(w, outcome, getattr(w, outcome) + n)
        escalation = self.worker.escalation
        same_hours = b["fp"] == fingerprint(self.worker)
        for pid, approved, seconds, created, decided, minutes in b["decisions"]:
            w.decision_seconds.append(seconds)
            if not same_hours:  # the working hours changed since the hour was rolled up
                start, stop = (datetime.fromtimestamp(t, UTC) for t in (created, decided))
                minutes = working_minutes(start, stop, escalation.working_hours)
            if minutes > escalation.response_target_minutes:
                self.breached[i].add(pid)
            if approved and seconds < RUBBER_STAMP_SECONDS:
                w.fast_approvals += 1
        if i == 0:
            for code, (n, example) in b["reasons"].items():
                self.reasons[code] += n
                self.examples.setdefault(code, example)
            for actor, (ok, no) in b["approvers"].items():
                self.by_approver[actor][0] += ok
                self.by_approver[actor][1] += no
        for tool, (n, ok, args) in b["evidence"].items():
            slot = self.evidence.setdefault(tool, [0, 0, {}])
            slot[0], slot[1] = slot[0] + n, slot[1] + ok
            for name, (count, top) in args.items():
                arg = slot[2].setdefault(name, [0, None])
                arg[0] += count
                arg[1] = top if arg[1] is None else arg[1] if top is None else max(arg[1], top)
        w.undone += b["undone"]
        self.escalated[i].update(b["reminded"])
        self.breached[i].update(b["reminded"], b["expired"])
        w.expiries += len(b["expired"])

    def finish(self) -> None:
        for i, w in enumerate(self.weeks):
            w.escalated, w.sla_breaches = len(self.escalated[i]), len(self.breached[i])
            w.decision_seconds.sort()  # the order events came in says nothing; percentiles sort anyway


def suggest_rule(approved_args: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The narrowest auto_approve rule covering what humans approved: numbers up to the largest approved."""
    rule: dict[str, dict[str, Any]] = {}
    for name in sorted({k for args in approved_args for k in args}):
        values = [a.get(name) for a in approved_args]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            rule[name] = {"lte": max(values)}
    return rule


def _promotions(worker: WorkerConfig, evidence: dict[str, list[Any]]) -> list[Promotion]:
    """From `rollup.add_evidence`'s sums: the rule `suggest_rule` would make of the approved arguments."""
    if worker.promotion is None:
        return []
    found = []
    for tool, (decisions, approved, args) in sorted(evidence.items()):
        if decisions < worker.promotion.min_decisions or not approved:
            continue
        if approved / decisions < worker.promotion.min_acceptance:
            continue
        rule = {name: {"lte": top} for name, (count, top) in sorted(args.items()) if count == approved}
        if not rule:
            continue  # nothing numeric to bound: a rule would approve everything, so none is suggested
        found.append(Promotion(tool=tool, decisions=decisions, approved=approved, condition=rule))
    return found


def first_needed(worker: WorkerConfig, end: datetime) -> datetime:
    """The earliest event time the digest ending at `end` reads."""
    return end - reach(worker) - longest_wait(worker) - SKEW


def thread_root(mission: Mission) -> str | None:
    """The root message of the mission's thread: the request's thread, else the status message."""
    return mission.thread_root


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


def compute(rt: Runtime, worker_name: str, *, end: datetime, rollups: bool = True) -> Digest:
    """The digest of the 7 days before `end` (and the 7 before those for the arrows); `rollups=False`
    forces the pass over the stream."""
    worker = rt.worker(worker_name)
    acc = _Pass(worker, end)
    hours = rollup.read(rt, worker_name, start=end - reach(worker), end=end) if rollups else None
    if hours is not None:
        for hour, record in hours:
            acc.merge(hour, record)
    else:
        for event in rt.audit.events(start=rt.audit.start_at(first_needed(worker, end))):
            if event["worker"] == worker_name:
                acc.add(event)
    acc.finish()
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
        tokens=tokens_of(rt, worker_name, start=end - WEEK, end=end),
        token_budget=worker.limits.weekly_token_budget,
        error_budget=acc.budget.status(),
        rubber_stamp_approvers=stamps,
        promotions=_promotions(worker, acc.evidence),
    )
