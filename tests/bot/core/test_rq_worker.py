"""The RQ worker: heartbeats short enough to find a dead worker's job in time, one log line per Redis outage,
and a work loop that runs the queue's jobs. Killed workers and restarts: tests/guarantees/."""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Worker
from rq.job import Job

from benchmarks.costs import counting
from bot.core import rq_worker
from bot.core.outage import Outage
from bot.core.rq_worker import (
    BetweenWorkers,
    HeartbeatSimpleWorker,
    HeartbeatWorker,
    build,
    work_forever,
)

log = logging.getLogger("tests.rq_worker")


def test_a_forking_worker_heartbeats_within_the_abandoned_after_margin(rt):
    worker = build(rt.missions_queue, settings=rt.settings, simple=False, outage=Outage(log=log, what="w"))
    assert isinstance(worker, HeartbeatWorker) and worker.worker_ttl == rt.settings.worker_ttl
    job = Job.create("jobs.missions.run_mission", args=["M-1"], connection=rt.redis, timeout=600)
    beat, margin = rt.settings.job_heartbeat, rt.settings.abandoned_after
    assert worker.get_heartbeat_ttl(job) == beat + margin
    assert worker.get_heartbeat_ttl(job, working_time=598.5) == 1 + margin  # never past the job's timeout


def test_a_simple_worker_keeps_rqs_own_heartbeat(rt):
    worker = build(rt.missions_queue, settings=rt.settings, simple=True, outage=Outage(log=log, what="w"))
    assert isinstance(worker, HeartbeatSimpleWorker)
    job = Job.create("jobs.missions.run_mission", args=["M-1"], connection=rt.redis, timeout=600)
    assert worker.get_heartbeat_ttl(job) == 600 + 60  # no heartbeat while a job runs in-process


def record(msg: str, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, None) if exc else None
    return logging.LogRecord("rq.worker", logging.ERROR, __file__, 1, msg, None, info)


def test_rqs_reconnect_noise_becomes_the_outages_one_line(caplog):
    caplog.set_level(logging.ERROR, logger="tests.rq_worker")
    outage = Outage(log=log, what="worker q")
    keep = rq_worker._OncePerOutage(outage)
    assert keep.filter(record("job failed: KeyError")) is True
    assert keep.filter(record("lost", RedisConnectionError("reset"))) is False
    assert keep.filter(record("could not connect to Redis, retrying")) is False
    assert outage.since is not None
    assert [r.getMessage() for r in caplog.records].count(
        "worker q: Redis unreachable (ConnectionError: reset); reconnecting with backoff"
    ) == 1


@pytest.fixture
def restored_logging_and_signals():
    loggers = [logging.getLogger(n) for n in ("rq.worker", "rq.scheduler")]
    filters = [list(lg.filters) for lg in loggers]
    handlers = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
    yield
    for lg, saved in zip(loggers, filters, strict=True):
        lg.filters = saved
    signal.signal(signal.SIGTERM, handlers[0])
    signal.signal(signal.SIGINT, handlers[1])


def test_a_burst_run_works_the_queue_empty_and_returns(rt, restored_logging_and_signals):
    rt.actions_queue.enqueue("builtins.len", "abc", job_id=f"{rt.settings.key_prefix}-len")
    work_forever(rt.actions_queue, settings=rt.settings, simple=True, burst=True)
    assert len(rt.actions_queue) == 0
    assert Job.fetch(f"{rt.settings.key_prefix}-len", connection=rt.redis).return_value() == 3


def test_a_stop_signal_between_registering_and_rqs_own_handlers_still_stops_the_loop(
    rt, monkeypatch, restored_logging_and_signals
):
    """RQ registers the worker (what a supervisor waits for) before it installs its signal handlers; a
    SIGTERM in between used to leave the loop waiting for a job for up to the worker TTL, and the
    supervisor (and a container's stop timeout) waiting on it."""
    bootstrap = HeartbeatSimpleWorker.bootstrap

    def signalled_after_birth(self, *args, **kwargs):
        bootstrap(self, *args, **kwargs)
        signal.raise_signal(signal.SIGTERM)  # lands on work_forever's handler, not RQ's

    dequeue, waits = HeartbeatSimpleWorker.dequeue_job_and_maintain_ttl, []

    def recorded_dequeue(self, *args, **kwargs):
        waits.append(args)  # a blocking wait for a job (up to the worker TTL) after the stop signal
        return dequeue(self, *args, **kwargs)

    monkeypatch.setattr(HeartbeatSimpleWorker, "bootstrap", signalled_after_birth)
    monkeypatch.setattr(HeartbeatSimpleWorker, "dequeue_job_and_maintain_ttl", recorded_dequeue)
    work_forever(rt.missions_queue, settings=rt.settings, simple=True, burst=False)
    assert waits == []  # stopped at its first turn, without waiting for a job


def _read_byte(fd: int, *, timeout: float) -> bytes:
    ready, _, _ = select.select([fd], [], [], timeout)
    return os.read(fd, 1) if ready else b""


def test_rqs_scheduler_forked_before_its_own_handlers_exits_on_the_stopping_workers_sigterm(
    restored_logging_and_signals,
):
    """RQ's worker forks its scheduler while work_forever's handler is still installed, then, stopping,
    SIGTERMs it and joins it. The handler used to swallow that signal in the fork (it only set the
    parent's flags), and the worker, its supervisor and a container's stop waited on it for good.
    The fork reports what the signal raised through a pipe and leaves with os._exit: the interpreter's
    own exit in a fork of a threaded process (pytest's) can hang on a lock, which is not what is tested."""
    signal.signal(signal.SIGTERM, BetweenWorkers())
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # RQ's scheduler before its `work()` installs its own handlers, under load
        outcome = b"s"  # still asleep: the signal swallowed
        try:
            os.write(write, b"r")
            time.sleep(60)
        except SystemExit as stopped:
            outcome = b"0" if stopped.code == 0 else b"x"
        finally:
            os.write(write, outcome)
            os._exit(0)
    try:
        os.close(write)
        assert _read_byte(read, timeout=30) == b"r"
        os.kill(pid, signal.SIGTERM)
        assert _read_byte(read, timeout=30) == b"0"  # b"": still asleep, the signal swallowed
    finally:
        os.close(read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


@pytest.mark.parametrize("simple", [True, False])
def test_a_heartbeat_is_one_round_trip_that_keeps_the_worker_registered(rt, simple):
    worker = build(rt.missions_queue, settings=rt.settings, simple=simple, outage=Outage(log=log, what="w"))
    worker.register_birth()
    try:
        rt.redis.hset(worker.key, "last_heartbeat", "")
        rt.redis.persist(worker.key)
        rt.redis.zadd(worker.executions_key, {"an-execution": 1})  # what a heartbeat keeps alive
        with counting() as count:
            worker.heartbeat()
        assert count.n == 1  # RQ's own sends three
        assert rt.redis.hget(worker.key, "last_heartbeat").decode() != ""
        assert 0 < rt.redis.ttl(worker.key) <= rt.settings.worker_ttl + 60
        assert 0 < rt.redis.ttl(worker.executions_key) <= rt.settings.worker_ttl + 60
    finally:
        worker.register_death()
        rt.redis.delete(worker.executions_key)


def test_a_reply_left_on_a_pooled_connection_by_a_stop_signal_does_not_break_the_teardown(rt):
    """RQ raises StopRequested from its signal handler wherever the idle loop is; between a command's send
    and its reply, the reply stays on the pooled connection (here a blocking pop still waiting for it)."""
    worker = build(rt.missions_queue, settings=rt.settings, simple=True, outage=Outage(log=log, what="w"))
    worker.register_birth()
    pool = rt.redis.connection_pool
    stale = pool.get_connection()
    stale.send_command("BLPOP", f"{rt.settings.key_prefix}:nothing", 1)  # its reply comes in a second
    pool.release(stale)
    worker.teardown()  # register_death's transaction would read that reply as its own
    assert rt.redis.hget(worker.key, "death") is not None
    assert worker.key not in {w.key for w in Worker.all(queue=rt.missions_queue)}
