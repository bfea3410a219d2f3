"""The inbox: what a surface has accepted and acked, durable before the ack, handled after it.

A Redis stream with one consumer group. `append` is the whole ack path: one script (one round trip on
the asyncio client) adds the entry, and with `deliver` also delivers it to the appending process's
consumer (in-process handling: the process handles it in the background and calls `done`). Without
`deliver` the entry waits undelivered for any handling process's `read` (`XREADGROUP ... >`, serve's
handling child: bot/missions/inbox_consumer.py). Either way it is durable before the ack: an entry a dead
consumer held stays pending and `claim_stale` (the recovery sweep, or the restarted child's `adopt`) takes
it over; one nobody read is read by the next consumer, or by the sweep once older than the grace period
(`claim_unread`). Handling must therefore be idempotent (bot/missions/intake.py derives the mission and the
decision from the entry).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, replace

from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import ResponseError

from bot.core import log_context, tracing
from bot.core.replication import Replicas

GROUP = "handlers"
REQUEST, CLICK = "request", "click"  # the kinds of entries (bot/missions/intake.py handles them)

# Every append delivers its own entry at once, so the group never has an older undelivered one: the
# XREADGROUP COUNT 1 below reads exactly the entry just added. The group is created with the stream.
# KEYS[2], when given: a dedupe mark (SET NX EX ARGV[3]); already there, the entry is not added (nil).
_ONCE = """
if KEYS[2] and not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then
  return false
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '$', 'MKSTREAM')
end
"""
_APPEND = (
    _ONCE
    + """
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))
redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1, 'STREAMS', KEYS[1], '>')
return id
"""
)

# Without delivery: the entry waits for a handling process's XREADGROUP (the group is created with the stream
# at '$', so the new entry is after its last delivered id).
_ADD = _ONCE + "return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 4))"
# Fields an entry carries for its handling, beside the surface's: the request's log id and trace context, so
# a handling process's lines and spans continue the request's.
REQUEST_ID, TRACE_FIELDS = "request_id", ("traceparent", "tracestate")


@dataclass(frozen=True, kw_only=True)
class Entry:
    id: str  # the stream id: also the key a re-handling recognizes its own earlier work by
    kind: str  # "request" (a mention or DM), "click" (an approve button), ...
    fields: dict[str, str]
    # Times the stream has delivered it, this delivery included (Redis counts: XREADGROUP, XCLAIM,
    # XAUTOCLAIM); past `MISSIONBOT_INBOX_MAX_ATTEMPTS` it is dead-lettered (bot/core/inbox_dead.py).
    deliveries: int = 1


def consumer_name(pid: int | None = None) -> str:
    """One consumer per process (`pid`: another process's, its supervisor's view): its pending entries are
    what a crash of that process leaves."""
    return f"{socket.gethostname()}-{os.getpid() if pid is None else pid}"


def _context() -> dict[str, str]:
    """The request's log id and trace context, for the process that handles the entry."""
    request_id = log_context.current().get(REQUEST_ID)
    return {**({REQUEST_ID: request_id} if request_id else {}), **tracing.carrier()}


def _entry(entry_id: bytes | str, raw: dict, deliveries: int = 1) -> Entry:
    fields = {_text(k): _text(v) for k, v in raw.items()}
    return Entry(id=_text(entry_id), kind=fields.pop("kind", ""), fields=fields, deliveries=deliveries)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Inbox:
    """`aredis`: the asyncio client for the ack path (serve); processes that only sweep pass None."""

    def __init__(
        self, *, redis: Redis, prefix: str, aredis: AsyncRedis | None = None, consumer: str | None = None
    ) -> None:
        self.redis, self.aredis = redis, aredis
        self.stream = f"{prefix}:inbox"
        self.consumer = consumer or consumer_name()
        self._append = aredis.register_script(_APPEND) if aredis is not None else None
        self._add = aredis.register_script(_ADD) if aredis is not None else None
        self.prefix, self.replicas = prefix, Replicas()

    async def append(
        self, kind: str, fields: dict[str, str], *, deliver: bool = True, once: tuple[str, int] | None = None
    ) -> Entry | None:
        """Durable (on a replica too when the primary has one: bot/core/replication.py) when it returns, and
        delivered to this process with `deliver`; raises when Redis does not take it (the surface answers
        5xx then, so the platform retries). `once`: a dedupe mark (key, seconds) set in the same round trip;
        None, nothing added, when it was already set (a platform's retry of a request already in)."""
        script = self._append if deliver else self._add
        if script is None:
            raise RuntimeError("this inbox has no asyncio client: it cannot append")
        argv = [GROUP, self.consumer, str(once[1]) if once else "0", "kind", kind]
        for name, value in {**fields, **_context()}.items():
            argv += [name, value]
        entry_id = await script(keys=[self.stream, *([once[0]] if once else [])], args=argv)
        if entry_id is None:
            return None
        if self.aredis is not None:  # on a replica too when there is one, so a failover keeps it
            await self.replicas.aconfirm(self.aredis, prefix=self.prefix)
        return Entry(id=_text(entry_id), kind=kind, fields=dict(fields))

    async def done(self, entry: Entry) -> None:
        """Handled: off the pending list and out of the stream (one round trip)."""
        assert self.aredis is not None
        async with self.aredis.pipeline(transaction=True) as pipe:
            await pipe.xack(self.stream, GROUP, entry.id).xdel(self.stream, entry.id).execute()

    def done_sync(self, entry: Entry) -> None:
        with self.redis.pipeline(transaction=True) as pipe:
            pipe.xack(self.stream, GROUP, entry.id).xdel(self.stream, entry.id).execute()

    def claim_stale(self, *, idle_ms: int, count: int = 100) -> list[Entry]:
        """Entries delivered to a consumer (a process) that has not finished them for `idle_ms`: now ours.
        Claiming resets their idle time, so a second sweep does not take them again meanwhile."""
        if not self.redis.exists(self.stream):
            return []
        claimed: list[Entry] = []
        start = "0-0"
        while len(claimed) < count:
            answer = self.redis.xautoclaim(
                self.stream, GROUP, self.consumer, idle_ms, start_id=start, count=count - len(claimed)
            )
            start, found = _text(answer[0]), answer[1]
            claimed += [_entry(entry_id, raw) for entry_id, raw in found if raw is not None]
            if start == "0-0":
                break
        return self._counted(claimed)

    def _counted(self, entries: list[Entry]) -> list[Entry]:
        """`entries` with the delivery count Redis keeps for each (XAUTOCLAIM does not answer it): one
        round trip, only when something was claimed."""
        if not entries:
            return entries
        with self.redis.pipeline(transaction=False) as pipe:
            for entry in entries:
                pipe.xpending_range(self.stream, GROUP, min=entry.id, max=entry.id, count=1)
            rows = pipe.execute()
        return [
            replace(entry, deliveries=int(row[0]["times_delivered"])) if row else entry
            for entry, row in zip(entries, rows, strict=True)
        ]

    def read(self, *, count: int, block_ms: int | None) -> list[Entry]:
        """Up to `count` entries nobody has read yet, now pending for this consumer; waits up to `block_ms`
        for one (None: answers at once). A stream or group that is gone (Redis restarted empty) is made
        again, from the start, so nothing appended since is skipped."""
        try:
            answer = self.redis.xreadgroup(
                GROUP, self.consumer, {self.stream: ">"}, count=count, block=block_ms
            )
        except ResponseError as err:
            if "NOGROUP" not in str(err):
                raise
            self._create_group()
            return []
        return [_entry(entry_id, raw) for _, found in answer or [] for entry_id, raw in found if raw]

    def _create_group(self) -> None:
        try:
            self.redis.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except ResponseError as err:
            if "BUSYGROUP" not in str(err):  # another process made it meanwhile
                raise

    def adopt(self, consumer: str, *, count: int = 1000) -> list[Entry]:
        """What `consumer` (a process known to be dead: its supervisor saw it exit) held: ours at once,
        without waiting for the grace period; its name then leaves the group."""
        if not self.redis.exists(self.stream):
            return []
        held = self.redis.xpending_range(
            self.stream, GROUP, min="-", max="+", count=count, consumername=consumer
        )
        ids = [row["message_id"] for row in held]
        times = {_text(row["message_id"]): int(row["times_delivered"]) + 1 for row in held}  # XCLAIM counts
        found = self.redis.xclaim(self.stream, GROUP, self.consumer, 0, ids) if ids else []
        if len(ids) < count:
            self.redis.xgroup_delconsumer(self.stream, GROUP, consumer)
        return [_entry(entry_id, raw, times[_text(entry_id)]) for entry_id, raw in found if raw]

    def claim_unread(self, *, idle_ms: int, count: int = 100) -> list[Entry]:
        """Entries nobody has read for `idle_ms` (no handling process runs): read here. Only when the
        oldest unread one is that old, so a live handling process keeps its fresh entries."""
        if not self.redis.exists(self.stream):
            return []
        groups = {_text(g["name"]): g for g in self.redis.xinfo_groups(self.stream)}
        if GROUP not in groups:
            return []
        last = _text(groups[GROUP]["last-delivered-id"])
        oldest = self.redis.xrange(self.stream, min=f"({last}", max="+", count=1)
        if not oldest:
            return []
        seconds, micros = self.redis.time()
        now_ms = int(seconds) * 1000 + int(micros) // 1000
        if now_ms - int(_text(oldest[0][0]).split("-")[0]) < idle_ms:
            return []
        return self.read(count=count, block_ms=None)

    def backlog(self) -> int:
        """Entries accepted and not yet handled, read or not (handled ones leave the stream)."""
        return int(self.redis.xlen(self.stream))

    def pending(self) -> int:
        """Entries accepted and not yet handled (delivered to some process, not `done`)."""
        if not self.redis.exists(self.stream):
            return 0
        return int(self.redis.xpending(self.stream, GROUP)["pending"])

    async def aclose(self) -> None:
        if self.aredis is not None:
            await self.aredis.aclose()
