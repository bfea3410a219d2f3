"""An outage is logged once when it starts and once when it ends; waiting backs off and stops on request."""

from __future__ import annotations

import logging
import threading

from redis.exceptions import ConnectionError as RedisConnectionError

from bot.core.outage import Outage

log = logging.getLogger("tests.outage")


class FlakyRedis:
    """Refuses `failures` pings, then answers."""

    def __init__(self, failures: int) -> None:
        self.failures, self.pings = failures, 0

    def ping(self) -> bool:
        self.pings += 1
        if self.pings <= self.failures:
            raise RedisConnectionError("Connection refused")
        return True


class RecordingStop(threading.Event):
    """A stop event whose waits are recorded instead of slept."""

    def __init__(self) -> None:
        super().__init__()
        self.delays: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.delays.append(timeout or 0.0)
        return self.is_set()


def test_many_failures_make_one_error_line_and_recovery_one_warning(caplog):
    caplog.set_level(logging.WARNING, logger="tests.outage")
    outage = Outage(log=log, what="worker q")
    for _ in range(5):
        outage.down(RedisConnectionError("refused"))
    outage.up()
    outage.up()
    lines = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "tests.outage"]
    assert len(lines) == 2
    assert lines[0][0] == "ERROR" and "worker q: Redis unreachable (ConnectionError: refused)" in lines[0][1]
    assert lines[1][0] == "WARNING" and "Redis reachable again after" in lines[1][1]
    assert outage.since is None


def test_waiting_doubles_the_delay_up_to_the_cap_then_returns_when_redis_answers():
    stop, redis = RecordingStop(), FlakyRedis(failures=6)
    assert Outage(log=log, what="w").wait_for(redis, stop=stop, max_delay=1.0) is True
    assert stop.delays == [0.2, 0.4, 0.8, 1.0, 1.0, 1.0] and redis.pings == 7


def test_waiting_stops_when_asked():
    stop = RecordingStop()
    stop.set()
    assert Outage(log=log, what="w").wait_for(FlakyRedis(failures=100), stop=stop) is False
