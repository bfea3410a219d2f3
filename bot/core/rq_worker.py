"""One RQ worker on one queue, with heartbeats short enough to find a dead worker's job in time.

RQ keeps a job's execution alive for `job_monitoring_interval + 60` s after each heartbeat; here the
margin is `settings.abandoned_after`, so a job whose worker died is retried by the next sweep once
`job_heartbeat + abandoned_after` seconds have passed. Housekeeping (registries, stale pops, leaked
rate-limit slots) is `bot.core.housekeeping`, the same code the recovery sweep runs, under its short lock.
"""

from __future__ import annotations

import contextvars
import logging
import os
import signal
import threading
from typing import Any

from rq import SimpleWorker, Worker
from rq.exceptions import StopRequested
from rq.job import Job
from rq.queue import Queue
from rq.utils import now

from bot.core import housekeeping, log_context, tracing
from bot.core.outage import REDIS_DOWN, Outage
from bot.core.settings import Settings

log = logging.getLogger(__name__)


class _Mixin:
    settings: Settings
    outage: Outage

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        beat = self.settings.job_heartbeat
        if job.timeout and job.timeout > 0:
            beat = int(min(job.timeout - working_time, beat))
        return max(beat, 1) + self.settings.abandoned_after

    def clean_registries(self) -> None:
        swept = housekeeping.Swept()
        for queue in self.queues:  # type: ignore[attr-defined]
            housekeeping.clean_queue(queue, stale_after=self.settings.abandoned_after, swept=swept)
        self.last_cleaned_at = now()

    def execute_job(self, job: Job, queue: Queue) -> None:
        """Each job in a context of its own holding its ids (job id, and the mission or proposal its
        enqueuer named in its meta): every line about it carries them, the forked work horse's (which
        inherits the context) and this process's alike, and none outlives the job."""
        contextvars.copy_context().run(self._execute_with_ids, job, queue)

    def _execute_with_ids(self, job: Job, queue: Queue) -> None:
        log_context.bind(job_id=job.id, **log_context.for_job(job.meta))
        log.debug("job %s (%s) started", job.id, job.func_name)
        super().execute_job(job, queue)  # type: ignore[misc]
        log.debug("job %s ended", job.id)

    def perform_job(self, job: Job, queue: Queue, *args: Any) -> bool:
        """In the process that runs the job (the work horse, or this one): a span in the trace its
        enqueuer carried (bot/core/tracing.py), exported before a horse's os._exit could drop it."""
        with tracing.continued(job.meta.get("trace"), f"job {job.func_name}", **{"rq.job_id": job.id}):
            done = super().perform_job(job, queue, *args)  # type: ignore[misc]
        tracing.flush()
        return done

    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """RQ's heartbeat, in one round trip: RQ sends its three writes one by one unless given a pipeline,
        and beats about three times per job (9 of a no-op job's 21 round trips; 3 here)."""
        if pipeline is not None:
            super().heartbeat(timeout, pipeline)  # type: ignore[misc]
            return
        with self.connection.pipeline(transaction=False) as pipe:  # type: ignore[attr-defined]
            super().heartbeat(timeout, pipe)  # type: ignore[misc]
            pipe.execute()
        self.outage.up()  # the worker's first successful write after an outage

    def teardown(self) -> None:
        """RQ's stop signal raises StopRequested wherever an idle worker's loop is, also between a command's
        send and its reply: that reply stays on a pooled connection and answers the next command sent on it,
        `register_death`'s here (`Wrong number of response items`, and the worker exits 1). The teardown's
        writes start on fresh connections."""
        self.connection.connection_pool.disconnect(inuse_connections=False)  # type: ignore[attr-defined]
        super().teardown()  # type: ignore[misc]


class HeartbeatWorker(_Mixin, Worker):
    """Forks a work horse per job and heartbeats it every `job_heartbeat` seconds."""


class HeartbeatSimpleWorker(_Mixin, SimpleWorker):
    """Runs jobs in-process (`--simple`): no heartbeat while a job runs, so its execution TTL stays RQ's."""

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        return SimpleWorker.get_heartbeat_ttl(self, job, working_time)


class _OncePerOutage(logging.Filter):
    """RQ logs every reconnect attempt, and a traceback when an outage ends its loop; the outage's first
    line is enough (ours, which also says when it ends)."""

    def __init__(self, outage: Outage) -> None:
        super().__init__()
        self.outage = outage

    def filter(self, record: logging.LogRecord) -> bool:
        err = record.exc_info[1] if record.exc_info else None
        if isinstance(err, REDIS_DOWN):
            self.outage.down(err)
            return False
        if "could not connect to Redis" in str(record.msg) or "ConnectionError" in record.getMessage():
            self.outage.down(ConnectionError("connection lost"))
            return False
        return True


def build(queue: Queue, *, settings: Settings, simple: bool, outage: Outage) -> Worker:
    cls = HeartbeatSimpleWorker if simple else HeartbeatWorker
    worker = cls(
        [queue],
        connection=queue.connection,
        worker_ttl=settings.worker_ttl,
        job_monitoring_interval=settings.job_heartbeat,
        maintenance_interval=settings.sweep_seconds,
    )
    worker.settings, worker.outage = settings, outage
    return worker


class BetweenWorkers:
    """The SIGTERM/SIGINT handler while no RQ loop has installed its own: between loops, and in RQ's
    start-up, which registers the worker and forks its scheduler before it installs its handlers."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.starting: list[Worker] = []  # the worker whose `work()` has not installed RQ's handlers yet
        self.pid = os.getpid()

    def __call__(self, signum: int, frame: object) -> None:
        if os.getpid() != self.pid:
            # RQ's scheduler process, forked before it installed its own handler: RQ's stopping worker
            # SIGTERMs it and waits for it to exit, so a signal swallowed here hung the shutdown for good.
            raise SystemExit(0)
        self.stop.set()  # no job in hand
        for worker in self.starting:  # RQ's loop must still stop at its first turn
            worker._stop_requested = True


def work_forever(queue: Queue, *, settings: Settings, simple: bool, burst: bool) -> None:
    """Run RQ's work loop; when it ends because Redis went away, wait for Redis and start a fresh one.

    RQ's loop survives an outage only while it waits for a job: one during a heartbeat, housekeeping or
    the end of a job makes it quit. SIGTERM/SIGINT is RQ's warm shutdown (the job in hand finishes).
    """
    outage = Outage(log=log, what=f"worker {queue.name}")
    for name in ("rq.worker", "rq.scheduler"):
        logging.getLogger(name).addFilter(_OncePerOutage(outage))
    between_workers = BetweenWorkers()
    stop, starting = between_workers.stop, between_workers.starting

    while not stop.is_set():
        signal.signal(signal.SIGTERM, between_workers)
        signal.signal(signal.SIGINT, between_workers)
        starting.clear()
        if not outage.wait_for(queue.connection, stop=stop):
            return
        worker = build(queue, settings=settings, simple=simple, outage=outage)
        starting.append(worker)
        if stop.is_set():  # the signal landed while it was being built
            return
        try:
            worker.work(
                burst=burst, with_scheduler=True, logging_level="WARNING"
            )  # installs its own handlers
        except StopRequested:
            return
        except REDIS_DOWN as err:
            outage.down(err)
        if burst or worker._stop_requested or worker._shutdown_requested_date is not None:
            return
        log.warning("worker %s: RQ's loop ended; starting a fresh one", queue.name)
        stop.wait(1.0)
