"""Append-only, hash-chained audit stream in Redis.

Each event carries the previous event's hash; `verify` recomputes the chain, so an edited,
deleted or reordered event, or a truncated tail, is detected.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Any

from redis import Redis
from redis.exceptions import WatchError

from bot.redact import redact_value

GENESIS = "0" * 64


def _digest(prev: str, event: dict[str, Any]) -> str:
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev}|{canonical}".encode()).hexdigest()


def _ms(entry_id: bytes) -> int:
    return int(entry_id.split(b"-")[0])


def _at(fields: dict[bytes, bytes]) -> datetime:
    return datetime.fromisoformat(json.loads(fields[b"event"])["at"])


class Audit:
    def __init__(self, *, redis: Redis, prefix: str, clock: Callable[[], datetime],
                 redact: Callable[[Any], Any] = redact_value) -> None:
        self.redis, self.clock, self.redact = redis, clock, redact  # redact: the runtime's Redactor.value
        self.stream = f"{prefix}:audit"
        self.head = f"{prefix}:audit:head"

    def record(
        self,
        kind: str,
        *,
        actor: str,
        worker: str | None = None,
        mission: str | None = None,
        proposal: str | None = None,
        **data: Any,
    ) -> dict[str, Any]:
        """Append one event; WATCH on the head serializes writers so the chain has no forks."""
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(self.head)
                    raw = pipe.get(self.head)
                    head = json.loads(raw) if raw else {"seq": 0, "hash": GENESIS}
                    event = {
                        "seq": head["seq"] + 1, "at": self.clock().isoformat(), "kind": kind, "actor": actor,
                        "worker": worker, "mission": mission, "proposal": proposal,
                        "data": self.redact(data), "prev": head["hash"],
                    }
                    event["hash"] = _digest(head["hash"], event)
                    pipe.multi()
                    pipe.xadd(self.stream, {"event": json.dumps(event, default=str)})
                    pipe.set(self.head, json.dumps({"seq": event["seq"], "hash": event["hash"]}))
                    pipe.execute()
                    return event
                except WatchError:
                    continue

    def events(self, *, start: str = "-") -> Iterator[dict[str, Any]]:
        """Events in order from stream id `start` (inclusive; see `start_at`)."""
        last, first = start, True
        while True:
            batch = self.redis.xrange(self.stream, min=last, max="+", count=1000)
            if not first:
                batch = batch[1:]
            first = False
            if not batch:
                return
            for entry_id, fields in batch:
                yield {"_id": entry_id.decode(), **json.loads(fields[b"event"])}
            last = batch[-1][0].decode()

    def start_at(self, when: datetime) -> str:
        """A stream id from which `events(start=...)` yields every event recorded at or after `when`.

        Stream ids carry Redis's time, events the runtime clock's, so the id is found by bisecting
        on the events' own `at` (O(log n) single-entry reads), then reading the one millisecond that
        straddles `when`. Events are appended in clock order, so callers pass `when` with a margin for
        small clock skew between writers.
        """
        head = self.redis.xrange(self.stream, count=1)
        tail = self.redis.xrevrange(self.stream, count=1)
        if not head:
            return "-"
        # The first millisecond whose first event is at or after `when`; one past the tail if none is.
        lo, hi = _ms(head[0][0]), _ms(tail[0][0]) + 1
        while lo < hi:
            mid = (lo + hi) // 2
            [(entry, fields)] = self.redis.xrange(self.stream, min=str(mid), max="+", count=1)
            if _at(fields) < when:
                lo = _ms(entry) + 1
            else:
                hi = mid
        # The last millisecond before it starts earlier but may end with events at or after `when`.
        before = self.redis.xrevrange(self.stream, max=str(lo - 1), count=1)
        if before:
            straddling = str(_ms(before[0][0]))
            for entry, fields in self.redis.xrange(self.stream, min=straddling, max=straddling):
                if _at(fields) >= when:
                    return entry.decode()
        return str(lo)

    def export(self, out: IO[str]) -> int:
        count = 0
        for event in self.events():
            event.pop("_id")
            out.write(json.dumps(event, sort_keys=True, default=str) + "\n")
            count += 1
        return count

    def verify(self) -> list[str]:
        """Problems found, in order; an empty list means the chain is intact."""
        problems: list[str] = []
        # Read the head first: events appended while we verify are newer than it and are left alone.
        raw = self.redis.get(self.head)
        head = json.loads(raw) if raw else {"seq": 0, "hash": GENESIS}
        prev, seq = GENESIS, 0
        for event in self.events():
            if seq >= head["seq"]:
                break
            entry = event.pop("_id")
            claimed = event.pop("hash", None)
            if event.get("seq") != seq + 1:
                problems.append(f"{entry}: sequence jumps from {seq} to {event.get('seq')} (events deleted?)")
            if event.get("prev") != prev:
                problems.append(f"{entry}: seq {event.get('seq')} does not follow the previous event's hash")
            if _digest(event.get("prev", ""), event) != claimed:
                problems.append(f"{entry}: seq {event.get('seq')} was altered (hash mismatch)")
            prev, seq = claimed or "", event.get("seq", seq)
        if head["seq"] != seq or head["hash"] != prev:
            problems.append(f"the stream ends at seq {seq} but the head says {head['seq']} (tail deleted?)")
        return problems
