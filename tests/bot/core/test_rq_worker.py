"""The RQ worker: heartbeats short enough to find a dead worker's job in time, one log line per Redis outage,
and a work loop that runs the queue's jobs. Killed workers and restarts: tests/guarantees/."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from rq.job import Job

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


def _scheduler_not_yet_handling_signals(ready) -> None:  # noqa: ANN001 - a multiprocessing Event
    ready.set()
    time.sleep(60)  # RQ's scheduler before its `work()` installs its own handlers, under load


def test_rqs_scheduler_forked_before_its_own_handlers_exits_on_the_stopping_workers_sigterm(
    restored_logging_and_signals,
):
    """RQ's worker forks its scheduler while work_forever's handler is still installed, then, stopping,
    SIGTERMs it and joins it. The handler used to swallow that signal in the fork (it only set the
    parent's flags), and the worker, its supervisor and a container's stop waited on it for good."""
    signal.signal(signal.SIGTERM, BetweenWorkers())
    fork = multiprocessing.get_context("fork")
    ready = fork.Event()
    scheduler = fork.Process(target=_scheduler_not_yet_handling_signals, args=(ready,))
    scheduler.start()
    try:
        assert ready.wait(30)
        os.kill(scheduler.pid, signal.SIGTERM)
        scheduler.join(30)
        assert scheduler.exitcode == 0  # None: still asleep, the signal swallowed
    finally:
        scheduler.kill()
        scheduler.join()
