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

from datetime import datetime
from typing import Any

import orjson

from bot.core.runtime import Runtime
from bot.missions.digest import creations, stream
from bot.missions.digest.events import WEEK, reach
from bot.missions.digest.hours import HOUR, HourFold, hour_of
from bot.missions.trust import SKEW

LOCK_SECONDS = 600
VERSION = "4"  # what a record holds; a fold state of another version is refolded from scratch


def details(rt: Runtime, worker: str, hours: list[datetime]) -> dict[datetime, list[list[Any]]]:
    """The stored [proposal, created ts, decided ts] of these hours' dated decisions."""
    raw = rt.redis.hmget(rt.store.key("digest", "details", worker), [h.isoformat() for h in hours])
    return {h: orjson.loads(r) for h, r in zip(hours, raw, strict=True) if r is not None}


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
        cursor = rt.audit.start_at(since - creations.longest_wait_of(rt) - SKEW)
    run = HourFold(rt, since=since, sealed=sealed)
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
