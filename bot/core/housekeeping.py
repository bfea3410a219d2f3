"""Find jobs a dead worker took and never finished, and give them back to their queue.

RQ does most of it: a worker on a single queue moves each job it pops to the queue's intermediate list,
the started registry holds each execution until its heartbeat expires, and `clean_registries` retries
expired executions and frees leaked `RateLimit` slots. What RQ leaves out, and this module adds:

- it runs that cleanup only in worker housekeeping (every 10 minutes, under a 15-minute lock that a
  worker killed mid-housekeeping leaves behind); here it runs on every recovery sweep, under a lock of
  `LOCK_SECONDS`;
- a job popped by a worker that died before starting it stays in the intermediate list; RQ fails it
  after a minute through a worker object, and again if it sees the entry twice. Here it goes back to
  the front of its queue, once, with its id and its rate-limit slot;
- a job marked queued or started with no evidence of life (in no queue, no intermediate list, no live
  execution), e.g. after Redis lost its last writes, holds its slot forever; here it is queued again;
- a retry scheduled for later waits for RQ's scheduler, whose lock a killed worker holds for a minute
  after its death (and the next worker looks again only at its housekeeping); here a retry overdue by
  `stale_after` seconds is queued by the sweep.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from redis import Redis
from rq import worker_registration
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.queue import Queue
from rq.rate_limit import RateLimitRegistry
from rq.registry import clean_registries

LOCK_SECONDS = 15  # far longer than a cleanup takes; a killed holder blocks the next sweep this long at most

# Alive = in its queue, popped into the intermediate list, or executing with a live heartbeat. A job
# marked queued or started without any of these is pushed back to the front of its queue (the same job
# id, so it keeps its rate-limit slot and its retries). Atomic: no worker can pop it in between.
# KEYS: job hash, executions zset; ARGV: queue key prefix, job id, now, intermediate counts (1/0)
_REQUEUE_ORPHAN = """
local status = redis.call('HGET', KEYS[1], 'status')
local origin = redis.call('HGET', KEYS[1], 'origin')
if not origin or (status ~= 'queued' and status ~= 'started') then return 0 end
local queue = ARGV[1] .. origin
if redis.call('LPOS', queue, ARGV[2]) then return 0 end
if ARGV[4] == '1' and redis.call('LPOS', queue .. ':intermediate', ARGV[2]) then return 0 end
if redis.call('ZCOUNT', KEYS[2], '(' .. ARGV[3], '+inf') > 0 then return 0 end
redis.call('LREM', queue .. ':intermediate', 1, ARGV[2])
redis.call('HSET', KEYS[1], 'status', 'queued')
redis.call('LPUSH', queue, ARGV[2])
return 1
"""


@dataclass(kw_only=True)
class Swept:
    requeued: list[str] = field(default_factory=list)  # popped or orphaned jobs given back to their queue
    skipped: list[str] = field(default_factory=list)  # queues another process was cleaning at the time


def _lock_key(queue: Queue) -> str:
    return f"{queue.key}:housekeeping"


def requeue_orphan(redis: Redis, job_id: str, *, intermediate_is_alive: bool = True) -> bool:
    """Queue `job_id` again if it is marked queued/started yet nothing holds it; True when it was."""
    script = redis.register_script(_REQUEUE_ORPHAN)
    keys = [f"rq:job:{job_id}", f"rq:executions:{job_id}"]
    args = [Queue.redis_queue_namespace_prefix, job_id, time.time(), "1" if intermediate_is_alive else "0"]
    return bool(script(keys=keys, args=args))


def job_is_alive(redis: Redis, job_id: str) -> bool:
    """True when a queued/started job has evidence of life (see `_REQUEUE_ORPHAN`), read-only."""
    origin = redis.hget(f"rq:job:{job_id}", "origin")
    if origin is None:
        return False
    queue = Queue.redis_queue_namespace_prefix + origin.decode()
    with redis.pipeline(transaction=True) as pipe:
        pipe.lpos(queue, job_id)
        pipe.lpos(f"{queue}:intermediate", job_id)
        pipe.zcount(f"rq:executions:{job_id}", f"({time.time()}", "+inf")
        in_queue, popped, executing = pipe.execute()
    return in_queue is not None or popped is not None or executing > 0


def _requeue_stale_pops(queue: Queue, *, stale_after: int) -> list[str]:
    """Jobs popped by a worker that never started them: back to their queue after `stale_after` s."""
    requeued = []
    redis = queue.connection
    for raw in redis.lrange(queue.intermediate_queue_key, 0, -1):
        job_id = raw.decode()
        first_seen = f"{queue.intermediate_queue_key}:seen:{job_id}"
        redis.set(first_seen, time.time(), nx=True, ex=max(stale_after * 4, 300))
        if time.time() - float(redis.get(first_seen) or time.time()) < stale_after:
            continue  # a live worker moves it to the started registry within milliseconds
        if requeue_orphan(redis, job_id, intermediate_is_alive=False):
            requeued.append(job_id)
        elif not redis.zcount(f"rq:executions:{job_id}", f"({time.time()}", "+inf"):
            # Finished, failed or already back in its queue: a stale entry. Count 1 from the head: a
            # worker popping the job right now appends a fresh entry at the tail.
            redis.lrem(queue.intermediate_queue_key, 1, job_id)
        redis.delete(first_seen)
    return requeued


def _enqueue_overdue(queue: Queue, *, overdue_after: int) -> list[str]:
    """RQScheduler.enqueue_scheduled_jobs for retries its scheduler left behind. Removing the entry is the
    claim: of two sweepers (or a scheduler coming back), the one whose ZREM removed it enqueues it."""
    registry = queue.scheduled_job_registry
    moved = []
    for job_id in registry.get_jobs_to_schedule(int(time.time()) - overdue_after):
        if not queue.connection.zrem(registry.key, job_id):
            continue
        try:
            job = Job.fetch(job_id, connection=queue.connection)
        except NoSuchJobError:
            continue
        with queue.connection.pipeline() as pipe:
            if job.has_rate_limit:
                queue._enqueue_rate_limited_job(job, pipeline=pipe, at_front=job.should_enqueue_at_front())
            else:
                queue._enqueue_job(job, pipeline=pipe, at_front=job.should_enqueue_at_front())
            pipe.execute()
        moved.append(job_id)
    return moved


def clean_queue(queue: Queue, *, stale_after: int, swept: Swept) -> None:
    """RQ's registry cleanup (abandoned executions are retried) plus the stale pops, under a short lock."""
    lock = _lock_key(queue)
    if not queue.connection.set(lock, 1, nx=True, ex=LOCK_SECONDS):
        swept.skipped.append(queue.name)
        return
    try:
        clean_registries(queue)
        worker_registration.clean_worker_registry(queue)
        swept.requeued += _requeue_stale_pops(queue, stale_after=stale_after)
        swept.requeued += _enqueue_overdue(queue, overdue_after=stale_after)
    finally:
        queue.connection.delete(lock)


def release_dead_slots(redis: Redis, rate_limit_keys: Iterable[str], *, swept: Swept) -> None:
    """An orphan holding a slot goes back to its queue; slots of finished or missing jobs are freed."""
    for key in rate_limit_keys:
        registry = RateLimitRegistry(key, redis)
        for job_id in registry.get_allowed_job_ids():
            if requeue_orphan(redis, job_id):
                swept.requeued.append(job_id)
        registry.cleanup()


def sweep(
    redis: Redis, queues: Iterable[Queue], rate_limit_keys: Iterable[str], *, stale_after: int
) -> Swept:
    swept = Swept()
    for queue in queues:
        clean_queue(queue, stale_after=stale_after, swept=swept)
    release_dead_slots(redis, rate_limit_keys, swept=swept)
    return swept
