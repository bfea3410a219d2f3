"""A write confirmed on a replica before its ack: a Sentinel failover then promotes a replica that has it.

Redis replicates asynchronously; `WAIT 1 <ms>` blocks until a replica has acknowledged every write made
on the connection that sends it. `confirm` sends a small write and WAIT in one round trip right after the
write to protect: the replication stream is ordered, so a replica that has the later write has the
earlier one too, whichever pooled connection carried it.

Without a replica nothing is sent: `connected_slaves` (INFO replication) is read once and again every
`refresh` seconds, so a replica that connects (or a promotion that leaves none) is seen within that time.
A WAIT that times out is logged and the ack goes on: the replica is too slow, and refusing the request
would not make the write any safer (it is already on the primary).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from redis import Redis
from redis.asyncio import Redis as AsyncRedis

log = logging.getLogger("missionbot.replication")

REFRESH_SECONDS = 5.0
WAIT_MS = 1000
PROBE_TTL = 60


def probe_key(prefix: str) -> str:
    return f"{prefix}:replication:probe"


@dataclass(kw_only=True)
class Replicas:
    """The replica count of one Redis primary, cached; `confirm`/`aconfirm` after a write to protect."""

    refresh: float = REFRESH_SECONDS
    timeout_ms: int = WAIT_MS
    clock: Callable[[], float] = time.monotonic
    count: int = 0
    checked: float | None = field(default=None)

    def _stale(self) -> bool:
        return self.checked is None or self.clock() - self.checked >= self.refresh

    def _seen(self, info: dict) -> None:
        self.count, self.checked = int(info.get("connected_slaves", 0)), self.clock()

    def _acked(self, acked: int) -> int:
        if acked < 1:
            log.warning("no replica confirmed the write within %d ms; acking anyway", self.timeout_ms)
            self.checked = None  # the replica may be gone: look again next time
        return acked

    def confirm(self, redis: Redis, *, prefix: str) -> int | None:
        """Replicas that have every write made so far (None: no replica, nothing sent but INFO)."""
        if self._stale():
            self._seen(redis.info("replication"))
        if not self.count:
            return None
        with redis.pipeline(transaction=False) as pipe:
            pipe.set(probe_key(prefix), "1", ex=PROBE_TTL).wait(1, self.timeout_ms)
            return self._acked(pipe.execute()[1])

    async def aconfirm(self, redis: AsyncRedis, *, prefix: str) -> int | None:
        """`confirm` on the asyncio client (the ack path of `serve`)."""
        if self._stale():
            self._seen(await redis.info("replication"))
        if not self.count:
            return None
        async with redis.pipeline(transaction=False) as pipe:
            pipe.set(probe_key(prefix), "1", ex=PROBE_TTL).wait(1, self.timeout_ms)
            return self._acked((await pipe.execute())[1])
