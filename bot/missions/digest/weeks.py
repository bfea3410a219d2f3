"""One walk over a worker's weeks for the digest: each event of the stream (`add`) or each hourly rollup
record (`merge`) summed into its week, the error budget's window and the promotion evidence."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.config.models import WorkerConfig
from bot.missions.digest.adoption import Adoption
from bot.missions.digest.events import (
    ENDS,
    PROMOTION_WEEKS,
    RUBBER_STAMP_SECONDS,
    WEEK,
    add_evidence,
    edited_term,
    fingerprint,
    merge_evidence,
    reach,
    verdict_kind,
)
from bot.missions.digest.hours import late
from bot.missions.digest.model import WeekStats
from bot.missions.trust import BUDGET_DECISIONS, RejectCounter, category
from bot.missions.undo import is_undo


class WeekPass:
    """Accumulates the weeks, the error-budget window and the promotion evidence in one walk."""

    def __init__(self, worker: WorkerConfig, end: datetime, weeks: int) -> None:
        self.worker, self.end, self.since = worker, end, end - reach(worker, weeks)
        self.weeks = [WeekStats() for _ in range(weeks)]  # this week, the week before, ...
        self.adoption = Adoption(worker, weeks)
        self.fingerprint = fingerprint(worker)  # of the hours and target the rollups' late lists assumed
        self.budget = RejectCounter(worker, end=end)
        self.created: dict[str, tuple[datetime, str, dict[str, Any], str | None]] = {}  # at, tool, args, rule
        self.breached: list[set[str]] = [set() for _ in range(weeks)]
        self.escalated: list[set[str]] = [set() for _ in range(weeks)]
        self.reasons: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.by_approver: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.evidence: dict[str, list[Any]] = {}  # events.add_evidence
        self.delegated: Counter[str] = Counter()  # this week's "delegate delegator" -> decisions

    def week(self, at: datetime) -> int | None:
        """Whole weeks back from the end: 0 for this week, None outside the window."""
        if at >= self.end:
            return None
        i = (self.end - at - timedelta(microseconds=1)) // WEEK  # [end - WEEK, end) is week 0
        return i if i < len(self.weeks) else None

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
        if kind == "control.changed" and "autonomy" in data and at >= self.since:  # as the rollups read
            self.adoption.autonomy(at.timestamp(), data["autonomy"])
        i = self.week(at)
        if i is None:
            return
        w = self.weeks[i]
        if kind == "mission.created":
            w.missions += 1
            route, where = data.get("route") or "", data.get("conversation") or ""
            self.adoption.missions(i, {event["actor"]: 1}, {where: 1}, {route: 1})
        elif kind in ENDS:
            verdict = verdict_kind(kind, data)
            w.verdicts[verdict] = w.verdicts.get(verdict, 0) + 1
        elif kind == "proposal.created":
            w.proposals += 1
            w.waited_for_human += 1  # an auto-approval takes it back below
        elif kind == "decision.auto_approved":
            w.auto_approved += 1
            w.waited_for_human -= 1
        elif kind == "delegation.used" and i == 0:
            self.delegated[f"{event['actor']} {data.get('delegator', '')}"] += 1
        elif (found := category(event, self.budget.codes)) is not None:
            self._decision(i, w, at, found, event)
        elif kind == "execution.executed" and is_undo(pid):  # requested undos do not count until they run
            w.undone += 1
        elif kind == "execution.executed" and not data.get("error"):
            self.adoption.executed(i, {data.get("tool", ""): 1})
        elif kind == "escalation.reminded":
            self.escalated[i].add(pid)
            self.breached[i].add(pid)
        elif kind == "escalation.expired":
            w.expiries += 1
            self.breached[i].add(pid)

    def _decision(self, i: int, w: WeekStats, at: datetime, outcome: str, event: dict[str, Any]) -> None:
        setattr(w, outcome, getattr(w, outcome) + 1)
        if (edit := edited_term(outcome, event)) is not None:
            setattr(w, edit, getattr(w, edit) + 1)
        pid, actor = event["proposal"], event["actor"]
        created = self.created.get(pid)
        seconds = None if created is None else (at - created[0]).total_seconds()
        self.adoption.decided(i, actor, seconds)
        if created is not None:
            w.decision_seconds.append(seconds)
            if late(self.worker, created[0], at):
                self.breached[i].add(pid)
            if outcome == "approved" and seconds < RUBBER_STAMP_SECONDS:
                w.fast_approvals += 1
        if outcome == "rejected" and i == 0:  # a question (needs more information) is not a rejection
            code = event["data"].get("reason_code") or "none"
            self.reasons[code] += 1
            self.examples.setdefault(code, event["mission"])
        if outcome in {"approved", "rejected"}:
            if i == 0:
                self.by_approver[actor][outcome == "rejected"] += 1
            if created is not None and i < PROMOTION_WEEKS:
                add_evidence(self.evidence, created[1], outcome == "approved", created[2])

    def merge(self, hour: datetime, b: dict[str, Any]) -> None:
        """One worker's hour from the rollups: the same sums `add` makes of its events."""
        if self.budget.since <= hour < self.end:
            for found in BUDGET_DECISIONS:
                n = b["auto"] if found == "auto_approved" else b["outcomes"].get(found, 0)
                self.budget.count(found, n)
        for at, mode in b.get("autonomy", []):
            self.adoption.autonomy(at, mode)
        i = self.week(hour)
        if i is None:
            return
        w = self.weeks[i]
        w.missions += b["missions"]
        self.adoption.missions(i, b["requesters"], b["channels"], b["kinds"])
        self.adoption.executed(i, b["tools"])
        for verdict, n in b["verdicts"].items():
            w.verdicts[verdict] = w.verdicts.get(verdict, 0) + n
        w.proposals += b["proposals"]
        w.auto_approved += b["auto"]
        w.waited_for_human += b["proposals"] - b["auto"]
        for outcome, n in b["outcomes"].items():
            setattr(w, outcome, getattr(w, outcome) + n)
        # The hot part at scale (8 weeks x every decision): lists extended, no loop per decision.
        seconds_of = w.decision_seconds
        for actor, seconds in b["seconds"].items():
            seconds_of.extend(seconds)
            if i == 0:
                self.adoption.decided_all(i, actor, seconds)
        if b["fp"] == self.fingerprint:
            self.breached[i].update(b["late"])
        else:  # the working hours or the response target changed since the hour was rolled up
            for pid, created, decided in b.get("details", []):
                start, stop = (datetime.fromtimestamp(t, UTC) for t in (created, decided))
                if late(self.worker, start, stop):
                    self.breached[i].add(pid)
        w.fast_approvals += b["fast"]
        if i == 0:
            for code, (n, example) in b["reasons"].items():
                self.reasons[code] += n
                self.examples.setdefault(code, example)
            for actor, (ok, no) in b["approvers"].items():
                self.by_approver[actor][0] += ok
                self.by_approver[actor][1] += no
            self.delegated.update(b.get("delegated", {}))  # hours rolled up before delegations: none
        for actor in b["undated"]:  # decided, its proposal's creation not found
            self.adoption.decided(i, actor, None)
        if i < PROMOTION_WEEKS:
            merge_evidence(self.evidence, b["evidence"])
        w.undone += b["undone"]
        self.escalated[i].update(b["reminded"])
        self.breached[i].update(b["reminded"], b["expired"])
        w.expiries += len(b["expired"])

    def finish(self) -> None:
        for i, w in enumerate(self.weeks):
            w.escalated, w.sla_breaches = len(self.escalated[i]), len(self.breached[i])
            w.decision_seconds.sort()  # the order events came in says nothing; percentiles sort anyway
        self.approvers = self.adoption.finish(
            self.weeks, [self.end - WEEK * i for i in range(len(self.weeks))]
        )
