"""Hourly rollups of the audit stream for the digest: what `compute` needs of one worker's hour, so a digest
reads 2 x 168 small records instead of decoding every event of two weeks (17 events a playbook mission).

`fold` reads the stream from its cursor in one pass for every worker and writes one record per worker
and UTC hour once the hour is sealed: the runtime clock is past its end plus SKEW, so no writer can still
append an event dated inside it (the same assumption `Audit.start_at` makes). The scheduler folds with
every digest check (`jobs/sweeps.py`, every 15 minutes) and `compute` folds before it reads, so the
records keep up with the stream; a decision's time to decide needs its proposal's creation, kept per
day of creation for as long as a proposal can wait. `read` answers only for a window of whole hours the
fold covers; `compute` does the full pass otherwise (and a test checks that both agree).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from bot.core.config.models import WorkerConfig
from bot.core.runtime import Runtime
from bot.core.worktime import working_minutes
from bot.missions.digest import stream
from bot.missions.digest.events import (
    ENDS,
    RUBBER_STAMP_SECONDS,
    WEEK,
    add_evidence,
    edited_term,
    fingerprint,
    longest_wait,
    reach,
    verdict_kind,
)
from bot.missions.trust import SKEW, category
from bot.missions.undo import is_undo

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
LOCK_SECONDS = 600
VERSION = "4"  # what a record holds; a fold state of another version is refolded from scratch


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


class _Fold:
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
            self.created.update(_stored_created(self.rt, sorted(missing), events))
        _store_created(self.rt, events, self.created)
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


def late(worker: WorkerConfig, created: datetime, decided: datetime) -> bool:
    """Decided later than the response target, in the worker's working minutes: an SLA breach."""
    escalation = worker.escalation
    return working_minutes(created, decided, escalation.working_hours) > escalation.response_target_minutes


def details(rt: Runtime, worker: str, hours: list[datetime]) -> dict[datetime, list[list[Any]]]:
    """The stored [proposal, created ts, decided ts] of these hours' dated decisions."""
    raw = rt.redis.hmget(rt.store.key("digest", "details", worker), [h.isoformat() for h in hours])
    return {h: orjson.loads(r) for h, r in zip(hours, raw, strict=True) if r is not None}


def _created_key(rt: Runtime, day: datetime) -> str:
    return rt.store.key("digest", "created", day.astimezone(UTC).strftime("%Y-%m-%d"))


def _longest_wait(rt: Runtime) -> timedelta:
    return max((longest_wait(w) for w in rt.workers.values()), default=DAY)


def _store_created(rt: Runtime, events: list[dict[str, Any]], created: dict[str, list[Any]]) -> None:
    keep = int((_longest_wait(rt) + 2 * DAY).total_seconds())
    by_day: dict[str, dict[str, str]] = {}  # one HSET and one EXPIRE per day and batch
    for e in events:
        if e["kind"] == "proposal.created" and e["proposal"] in created:
            key = _created_key(rt, datetime.fromisoformat(e["at"]))
            by_day.setdefault(key, {})[e["proposal"]] = json.dumps(created[e["proposal"]])
    with rt.redis.pipeline(transaction=False) as pipe:
        for key, mapping in by_day.items():
            pipe.hset(key, mapping=mapping)
            pipe.expire(key, keep)
        pipe.execute()


def _stored_created(rt: Runtime, pids: list[str], events: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Creations an earlier run saw, from the day-keyed hashes covering the longest possible wait."""
    last = max(datetime.fromisoformat(e["at"]) for e in events)
    days = [last - DAY * n for n in range((_longest_wait(rt) + SKEW) // DAY + 2)]
    with rt.redis.pipeline(transaction=False) as pipe:
        for day in days:
            pipe.hmget(_created_key(rt, day), pids)
        found: dict[str, list[Any]] = {}
        for values in pipe.execute():
            for pid, raw in zip(pids, values, strict=True):
                if raw is not None and pid not in found:
                    found[pid] = json.loads(raw)
    return found


Records = dict[tuple[str, datetime], dict[str, Any]]


def fold(rt: Runtime) -> Records | None:
    """Bring the sealed hourly records up to the stream's end; returns the hours not sealed yet (as read
    now, not stored), or None when another fold holds the lock."""
    lock = rt.store.key("digest", "fold-lock")
    if not rt.redis.set(lock, "1", nx=True, ex=LOCK_SECONDS):
        return None
    try:
        return _fold(rt)
    finally:
        rt.redis.delete(lock)


def _state(rt: Runtime) -> dict[str, str]:
    state = {k.decode(): v.decode() for k, v in rt.redis.hgetall(rt.store.key("digest", "fold")).items()}
    return state if state.get("version") == VERSION else {}


def _fold(rt: Runtime) -> Records:
    state = _state(rt)
    seal_before = hour_of(rt.clock() - SKEW)  # an hour ending by then can get no more events
    if state:
        since, sealed = datetime.fromisoformat(state["since"]), datetime.fromisoformat(state["sealed"])
        cursor = state["cursor"]
    else:  # the first fold covers what a digest ending now reads, plus the creations its decisions need
        back = max((reach(w) for w in rt.workers.values()), default=2 * WEEK)
        since = sealed = hour_of(rt.clock() - back)
        cursor = rt.audit.start_at(since - _longest_wait(rt) - SKEW)
    run = _Fold(rt, since=since, sealed=sealed)
    next_cursor, last = None, None
    for batch in stream.batches(rt, cursor):
        run.chunk(batch)
        for e in batch:
            if next_cursor is None and hour_of(datetime.fromisoformat(e["at"])) >= seal_before:
                next_cursor = e["_id"]  # the first event of an hour not sealed yet: the next run starts there
        last = batch[-1]["_id"]
    if seal_before > sealed:
        with rt.redis.pipeline() as pipe:  # the records and the state that vouches for them, together
            for (worker, hour), record in run.hours.items():
                if hour < seal_before:
                    stored = {k: v for k, v in record.items() if k != "details"}
                    pipe.hset(rt.store.key("digest", "hours", worker), hour.isoformat(), orjson.dumps(stored))
                    pipe.hset(
                        rt.store.key("digest", "details", worker),
                        hour.isoformat(),
                        orjson.dumps(record["details"]),
                    )
            state = {
                "since": since.isoformat(),
                "sealed": seal_before.isoformat(),
                "cursor": next_cursor or last or cursor,
                "version": VERSION,
            }
            pipe.hset(rt.store.key("digest", "fold"), mapping=state)
            pipe.execute()
    return {key: record for key, record in run.hours.items() if key[1] >= seal_before}


def read(
    rt: Runtime, worker: str, *, start: datetime, end: datetime
) -> list[tuple[datetime, bytes | dict]] | None:
    """The records of every hour in [start, end) after a fold (stored ones for sealed hours as JSON, this
    fold's for the rest), or None unless both are whole hours the fold covers."""
    if hour_of(start) != start or hour_of(end) != end:
        return None
    start, end = hour_of(start), hour_of(end)  # in UTC, as the records are named
    unsealed = fold(rt)
    state = _state(rt)
    if unsealed is None or not state or datetime.fromisoformat(state["since"]) > start:
        return None
    sealed = datetime.fromisoformat(state["sealed"])
    hours = [start + HOUR * n for n in range(int((end - start) / HOUR))]
    stored = [h for h in hours if h < sealed]
    raw = (
        rt.redis.hmget(rt.store.key("digest", "hours", worker), [h.isoformat() for h in stored])
        if stored
        else []
    )
    # Decoded by the caller as it merges (`compute` overlaps that with the tokens line's script).
    found = [(h, r) for h, r in zip(stored, raw, strict=True) if r is not None]
    return found + [(h, unsealed[(worker, h)]) for h in hours if h >= sealed and (worker, h) in unsealed]
