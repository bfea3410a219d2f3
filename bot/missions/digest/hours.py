"""One worker's UTC hour of the audit stream, as the digest needs it: the record's fields and the fold that
groups a run of events into such records (`rollup` stores them once the hour is sealed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.config.models import WorkerConfig
from bot.core.runtime import Runtime
from bot.core.worktime import working_minutes
from bot.missions.digest import creations
from bot.missions.digest.events import (
    ENDS,
    RUBBER_STAMP_SECONDS,
    add_evidence,
    edited_term,
    fingerprint,
    verdict_kind,
)
from bot.missions.trust import category
from bot.missions.undo import is_undo

HOUR = timedelta(hours=1)


def hour_of(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def new_hour(fp: str) -> dict[str, Any]:
    return {
        "missions": 0,
        "verdicts": {},
        "proposals": 0,
        "auto": 0,
        "outcomes": {},  # trust.category -> decisions
        # Decisions whose proposal's creation was found, as `compute` sums them (8 weeks x every decision:
        # lists it extends, no loop): seconds to decide per decider, approvals under RUBBER_STAMP_SECONDS,
        # proposals decided later than the response target in working minutes (for `fp`'s target and hours).
        "seconds": {},  # actor -> [seconds]
        "fast": 0,
        "late": [],
        # [proposal, created ts, decided ts] per dated decision: to recount `late` when `fp` changed; kept
        # in a hash of its own (`details`), read only then.
        "details": [],
        "reasons": {},  # code -> [rejections, first mission]
        "approvers": {},  # actor -> [approved, rejected]
        "evidence": {},  # events.add_evidence: tool -> [decisions, approved, {arg: [n, largest, lowest no]}]
        "undone": 0,
        "requesters": {},  # adoption: actor -> missions started
        "channels": {},  # conversation -> missions
        "kinds": {},  # route (mission kind) -> missions
        "tools": {},  # tool -> executed calls (undos not included)
        "undated": [],  # the deciders of decisions whose proposal's creation was not found
        "autonomy": [],  # [timestamp, level] per control.changed
        "delegated": {},  # "delegate delegator" -> decisions made on the delegator's authority
        "reminded": [],
        "expired": [],
        "fp": fp,
    }


def late(worker: WorkerConfig, created: datetime, decided: datetime) -> bool:
    """Decided later than the response target, in the worker's working minutes: an SLA breach."""
    escalation = worker.escalation
    return working_minutes(created, decided, escalation.working_hours) > escalation.response_target_minutes


class HourFold:
    """One fold run: the events from the cursor, grouped into (worker, hour) records."""

    def __init__(self, rt: Runtime, *, since: datetime, sealed: datetime) -> None:
        self.rt, self.since, self.sealed = rt, since, sealed
        self.hours: dict[tuple[str, datetime], dict[str, Any]] = {}
        self.created: dict[str, list[Any]] = {}  # proposal -> [created ts, tool, args]
        self.fps = {name: fingerprint(w) for name, w in rt.workers.items()}
        self.codes = {name: w.escalation.more_info_codes for name, w in rt.workers.items()}

    def chunk(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            if event["kind"] == "proposal.created":
                data = event["data"]
                at = datetime.fromisoformat(event["at"]).timestamp()
                self.created[event["proposal"]] = [at, data.get("tool", ""), data.get("args") or {}]
        missing = {
            e["proposal"]
            for e in events
            if e["kind"].startswith("decision.") and e["proposal"] and e["proposal"] not in self.created
        }
        if missing:
            self.created.update(creations.stored(self.rt, sorted(missing), events))
        creations.store(self.rt, events, self.created)
        for event in events:
            self.add(event)

    def add(self, event: dict[str, Any]) -> None:
        worker, at = event["worker"], datetime.fromisoformat(event["at"])
        hour = hour_of(at)
        if worker is None or hour < self.since or hour < self.sealed:
            return  # before the rollups begin, or in an hour an earlier run sealed
        b = self.hours.get((worker, hour))
        if b is None:
            b = self.hours[(worker, hour)] = new_hour(self.fps.get(worker, ""))
        kind, data, pid = event["kind"], event["data"], event["proposal"]
        if kind == "mission.created":
            b["missions"] += 1
            for field, name in (
                ("requesters", event["actor"]),
                ("channels", data.get("conversation") or ""),
                ("kinds", data.get("route") or ""),
            ):
                b[field][name] = b[field].get(name, 0) + 1
        elif kind == "control.changed" and "autonomy" in data:
            b["autonomy"].append([at.timestamp(), data["autonomy"]])
        elif kind in ENDS:
            verdict = verdict_kind(kind, data)
            b["verdicts"][verdict] = b["verdicts"].get(verdict, 0) + 1
        elif kind == "proposal.created":
            b["proposals"] += 1
        elif kind == "decision.auto_approved":
            b["auto"] += 1
        elif kind == "delegation.used":
            pair = f"{event['actor']} {data.get('delegator', '')}"
            b["delegated"][pair] = b["delegated"].get(pair, 0) + 1
        elif (found := category(event, self.codes.get(worker, []))) is not None:
            self._decision(b, at, found, event)
        elif kind == "execution.executed" and is_undo(pid):
            b["undone"] += 1
        elif kind == "execution.executed" and not data.get("error"):
            b["tools"][data.get("tool", "")] = b["tools"].get(data.get("tool", ""), 0) + 1
        elif kind == "escalation.reminded":
            b["reminded"].append(pid)
        elif kind == "escalation.expired":
            b["expired"].append(pid)

    def _decision(self, b: dict[str, Any], at: datetime, outcome: str, event: dict[str, Any]) -> None:
        b["outcomes"][outcome] = b["outcomes"].get(outcome, 0) + 1
        if (edit := edited_term(outcome, event)) is not None:  # summed into WeekStats like the outcome
            b["outcomes"][edit] = b["outcomes"].get(edit, 0) + 1
        pid, created = event["proposal"], self.created.get(event["proposal"])
        if created is not None:
            since = datetime.fromtimestamp(created[0], UTC)
            worker = self.rt.workers.get(event["worker"])
            seconds = (at - since).total_seconds()
            b["seconds"].setdefault(event["actor"], []).append(seconds)
            b["fast"] += outcome == "approved" and seconds < RUBBER_STAMP_SECONDS
            if worker is not None and late(worker, since, at):
                b["late"].append(pid)
            b["details"].append([pid, created[0], at.timestamp()])
        else:
            b["undated"].append(event["actor"])
        if outcome == "rejected":
            code = event["data"].get("reason_code") or "none"
            b["reasons"].setdefault(code, [0, event["mission"]])[0] += 1
        if outcome in {"approved", "rejected"}:
            b["approvers"].setdefault(event["actor"], [0, 0])[outcome == "rejected"] += 1
            if created is not None:
                add_evidence(b["evidence"], created[1], outcome == "approved", created[2])
