"""Redis outages in long-running processes: wait with backoff, log each outage once (start and end)."""

from __future__ import annotations

import logging
import threading
import time

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)


class Outage:
    """One outage at a time: `down()` logs only the first failure, `up()` logs how long it lasted."""

    def __init__(self, *, log: logging.Logger, what: str) -> None:
        self.log, self.what = log, what
        self.since: float | None = None

    def down(self, err: BaseException) -> None:
        if self.since is None:
            self.since = time.monotonic()
            self.log.error(
                "%s: Redis unreachable (%s: %s); reconnecting with backoff",
                self.what,
                type(err).__name__,
                err,
            )

    def up(self) -> None:
        if self.since is not None:
            self.log.warning(
                "%s: Redis reachable again after %.1fs", self.what, time.monotonic() - self.since
            )
            self.since = None

    def wait_for(self, redis: Redis, *, stop: threading.Event, max_delay: float = 5.0) -> bool:
        """Ping until Redis answers (True) or `stop` is set (False). Delays double from 0.2 s to `max_delay`:
        a restart is noticed within seconds, a long outage costs one ping every few seconds."""
        delay = 0.2
        while not stop.is_set():
            try:
                redis.ping()
            except REDIS_DOWN as err:
                self.down(err)
                stop.wait(delay)
                delay = min(delay * 2, max_delay)
                continue
            self.up()
            return True
        return False
