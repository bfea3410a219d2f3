"""Cron jobs keyed by period, so that several `missionbot scheduler` processes on one Redis enqueue each
job once per period between them (RQ's CronScheduler keeps its timing per process and deduplicates
nothing across processes).

A job's period is its slot: for an interval job, `floor(epoch / interval)`; for a cron expression, the
minute it was due. Before enqueuing, a scheduler claims `<job name>:period:<slot>` with SET NX; the one
that wins enqueues, the others only move on to the next slot. Interval jobs are aligned on their period
boundaries (the next run is the next boundary), so every scheduler aims at the same slots.
"""

from __future__ import annotations

from datetime import UTC, datetime

from redis import Redis
from rq.cron import CronJob, CronScheduler
from rq.utils import now


def period_key(job: CronJob, slot: int) -> str:
    return f"{job.name}:period:{slot}"


def slot_of(job: CronJob, at: datetime) -> tuple[int, datetime]:
    """(the slot number, the slot's start) of the run due at `at`."""
    if job.interval:
        slot = int(at.timestamp()) // job.interval
        return slot, datetime.fromtimestamp(slot * job.interval, UTC)
    due = job.next_enqueue_time or at
    return int(due.timestamp()) // 60, due


def claim(redis: Redis, job: CronJob, slot: int) -> bool:
    """True for the one scheduler that takes this slot (the key outlives any scheduler's clock skew)."""
    keep = max(job.interval or 0, 60) * 4
    return bool(redis.set(period_key(job, slot), "1", nx=True, ex=keep))


class PeriodCronScheduler(CronScheduler):
    """CronScheduler whose `enqueue_jobs` enqueues a due job only when this process claims its period."""

    def enqueue_jobs(self) -> list[CronJob]:
        at = now()
        enqueued: list[CronJob] = []
        for job in self._cron_jobs:
            if not job.should_run():
                continue
            slot, start = slot_of(job, at)
            if claim(self.connection, job, slot):
                job.enqueue(self.connection)
                enqueued.append(job)
            # An interval job's next run is its next boundary; a cron job's, its next due time.
            job.set_enqueue_time(start if job.interval else at)
        return enqueued
