"""Reading the audit stream: its events in order from a stream id, the stream id from which every event
at or after a time is read (found by bisecting on the events' own times), and the JSONL export. A part of
`Audit` (bot/core/audit.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from redis import Redis


def _ms(entry_id: bytes) -> int:
    return int(entry_id.split(b"-")[0])


def _at(fields: dict[bytes, bytes]) -> datetime:
    return datetime.fromisoformat(json.loads(fields[b"event"])["at"])


def decode(entry_id: bytes, fields: dict[bytes, bytes]) -> dict[str, Any]:
    """One stream entry as the event dict readers use (`kind`, `actor`, `at`, ..., `seq`, `prev`, `mac`)."""
    event = json.loads(fields[b"event"])
    event["seq"] = int(fields[b"seq"]) if b"seq" in fields else event.get("seq")
    event["prev"] = fields.get(b"prev", b"").decode() or event.get("prev")
    event["mac"] = fields.get(b"mac", b"").decode() or None
    return {"_id": entry_id.decode(), **event}


class AuditReader:
    redis: Redis
    stream: str

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
                yield decode(entry_id, fields)
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
