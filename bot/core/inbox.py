"""The inbox: what a surface has accepted and acked, durable before the ack, handled after it.

A Redis stream with one consumer group. `append` is the whole ack path: one script (one round trip on
the asyncio client) adds the entry AND delivers it to the appending process's consumer, so the entry is
in that consumer's pending list from its first instant; the process then handles it in the background
and calls `done`. If the process dies in between, the entry stays pending, and `claim_stale` (the
recovery sweep) takes it over once it has been idle for the grace period. Handling must therefore be
idempotent (bot/missions/intake.py derives the mission and the decision from the entry).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from bot.core.replication import Replicas

GROUP = "handlers"

# Every append delivers its own entry at once, so the group never has an older undelivered one: the
# XREADGROUP COUNT 1 below reads exactly the entry just added. The group is created with the stream.
_APPEND = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '$', 'MKSTREAM')
end
local id = redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', 1, 'STREAMS', KEYS[1], '>')
return id
"""


@dataclass(frozen=True, kw_only=True)
class Entry:
    id: str  # the stream id: also the key a re-handling recognizes its own earlier work by
    kind: str  # "request" (a mention or DM), "click" (an approve button), ...
    fields: dict[str, str]


def consumer_name() -> str:
    """One consumer per process: its pending entries are what a crash of that process leaves."""
    return f"{socket.gethostname()}-{os.getpid()}"


def _entry(entry_id: bytes | str, raw: dict) -> Entry:
    fields = {_text(k): _text(v) for k, v in raw.items()}
    return Entry(id=_text(entry_id), kind=fields.pop("kind", ""), fields=fields)


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
        self.prefix, self.replicas = prefix, Replicas()

    async def append(self, kind: str, fields: dict[str, str]) -> Entry:
        """Durable (on a replica too when the primary has one: bot/core/replication.py) and delivered to
        this process when it returns; raises when Redis does not take it (the surface answers 5xx then, so
        the platform retries)."""
        if self._append is None:
            raise RuntimeError("this inbox has no asyncio client: it cannot append")
        argv = [GROUP, self.consumer, "kind", kind]
        for name, value in fields.items():
            argv += [name, value]
        entry_id = await self._append(keys=[self.stream], args=argv)
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
        return claimed

    def pending(self) -> int:
        """Entries accepted and not yet handled (delivered to some process, not `done`)."""
        if not self.redis.exists(self.stream):
            return 0
        return int(self.redis.xpending(self.stream, GROUP)["pending"])

    async def aclose(self) -> None:
        if self.aredis is not None:
            await self.aredis.aclose()
