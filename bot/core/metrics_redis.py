"""Gauges read from Redis at scrape: queue depths and the oldest job's age, pending proposals by worker,
RQ workers with a fresh heartbeat. `serve` and `scheduler` export them (they hold a runtime); every replica
reports the same values, so dashboards and alerts take `max by (...)` of them."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from rq.job import Job

from bot.core.queueing import fresh_workers
from bot.core.runtime import Runtime


def oldest_age(queue, *, now: datetime) -> float:  # an rq Queue
    """Seconds the job at the head of the queue has waited (0 for an empty queue)."""
    for job_id in queue.get_job_ids(0, 1):
        job = Job.fetch(job_id, connection=queue.connection)
        if job.enqueued_at is not None:
            enqueued = (
                job.enqueued_at.replace(tzinfo=UTC) if job.enqueued_at.tzinfo is None else job.enqueued_at
            )
            return max(0.0, (now - enqueued).total_seconds())
    return 0.0


class RedisCollector(Collector):
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = datetime.now(UTC)
        up = GaugeMetricFamily("missionbot_redis_up", "Redis answered this scrape's reads")
        try:
            families = list(self._families(now))
        except Exception:  # Redis down: say so instead of failing the whole scrape
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, now: datetime) -> Iterator[GaugeMetricFamily]:
        rt = self.rt
        depth = GaugeMetricFamily("missionbot_queue_depth", "Jobs waiting in the RQ queue", labels=["queue"])
        age = GaugeMetricFamily(
            "missionbot_queue_oldest_job_age_seconds", "Age of the oldest waiting job", labels=["queue"]
        )
        workers = GaugeMetricFamily(
            "missionbot_rq_workers", "RQ workers with a heartbeat younger than worker_ttl", labels=["queue"]
        )
        alive = fresh_workers(rt, now=now)
        for name, queue in (("missions", rt.missions_queue), ("actions", rt.actions_queue)):
            depth.add_metric([name], queue.count)
            age.add_metric([name], oldest_age(queue, now=now))
            workers.add_metric([name], alive[name])
        pending = GaugeMetricFamily(
            "missionbot_proposals_pending", "Proposals waiting for a decision", labels=["worker"]
        )
        tally = Tally(p.worker for p in rt.store.pending_proposals())
        for worker in sorted(set(rt.workers) | set(tally)):
            pending.add_metric([worker], tally.get(worker, 0))
        yield from (depth, age, workers, pending)
