"""Enqueue jobs with ids derived from the work, so a duplicate enqueue is rejected by RQ itself."""

from __future__ import annotations

import re

from rq import Callback, RateLimit, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job
from rq.queue import Queue

from bot.core.housekeeping import job_is_alive
from bot.core.limits import mission_rate_limit
from bot.core.runtime import Runtime

# First retry at once (a killed worker), then back off for transient failures.
RETRY = Retry(max=3, interval=[0, 5, 30])


def _job_id(rt: Runtime, *parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", "-".join((rt.settings.key_prefix, *parts)))


def _enqueue(
    queue: Queue,
    func: str,
    arg: str,
    job_id: str,
    *,
    on_failure: str | None = None,
    rate_limit: RateLimit | None = None,
    replace_stale: bool = False,
) -> bool:
    callback = Callback(on_failure) if on_failure else None
    if rate_limit is not None:
        # RQ refuses unique=True with a rate limit, so a marker key rejects the duplicate instead.
        marker = f"{job_id}:enqueued"
        if not queue.connection.set(marker, 1, nx=True, ex=86_400):
            # A marker whose job does not exist was left by a crash between the two writes: absent.
            if not replace_stale or Job.exists(job_id, connection=queue.connection):
                return False
            queue.connection.set(marker, 1, ex=86_400)
        try:
            queue.enqueue(
                func,
                arg,
                job_id=job_id,
                retry=RETRY,
                job_timeout=600,
                on_failure=callback,
                rate_limit=rate_limit,
            )
        except BaseException:
            queue.connection.delete(marker)  # the job is not there: a retry must not be refused for 24 h
            raise
        return True
    try:
        queue.enqueue(
            func, arg, job_id=job_id, unique=True, retry=RETRY, job_timeout=600, on_failure=callback
        )
    except DuplicateJobError:
        return False
    return True


def job_status(rt: Runtime, job_id: str) -> str | None:
    """RQ's status of the job, None when there is no such job (never enqueued, or expired after finishing)."""
    try:
        return Job.fetch(job_id, connection=rt.redis).get_status(refresh=False)
    except NoSuchJobError:
        return None


def job_evidence(rt: Runtime, job_id: str) -> str:
    """What Redis shows of a job, not what its status field claims: `alive` (in its queue, popped by a
    worker, executing with a fresh heartbeat, scheduled for a retry, deferred or waiting for a slot),
    `finished`, `failed`, `orphan` (marked queued or started with none of that: its worker died, or Redis
    lost the write that held it) or `absent` (no such job)."""
    raw = rt.redis.hget(f"rq:job:{job_id}", "status")
    status = raw.decode() if raw else None
    if status is None:
        return "absent"
    if status in {"finished", "failed", "stopped", "canceled"}:
        return "finished" if status == "finished" else "failed"
    if status in {"queued", "started"}:
        return "alive" if job_is_alive(rt.redis, job_id) else "orphan"
    return "alive"


def enqueue_mission(
    rt: Runtime, mission_id: str, *, reason: str = "start", replace_stale: bool = False
) -> bool:
    worker = rt.worker(rt.store.mission(mission_id).worker)
    job_id = run_job_id(rt, mission_id, reason)
    enqueued = _enqueue(
        rt.missions_queue,
        "jobs.missions.run_mission",
        mission_id,
        job_id,
        on_failure="jobs.missions.on_mission_failure",
        rate_limit=mission_rate_limit(rt, worker),
        replace_stale=replace_stale,
    )
    if enqueued:  # the recovery sweep checks the latest run job of a mission that should be moving
        rt.redis.set(rt.store.key("run-job", mission_id), job_id, ex=7 * 86_400)
    return enqueued


def enqueue_execution(rt: Runtime, proposal_id: str) -> bool:
    return _enqueue(
        rt.actions_queue,
        "jobs.actions.execute_proposal",
        proposal_id,
        exec_job_id(rt, proposal_id),
        on_failure="jobs.actions.on_execution_failure",
    )


def enqueue_card_sync(rt: Runtime, proposal_id: str, *, reason: str) -> bool:
    return _enqueue(
        rt.actions_queue, "jobs.actions.sync_cards", proposal_id, _job_id(rt, "sync", proposal_id, reason)
    )


def mission_job_id(rt: Runtime, mission_id: str) -> str:
    return run_job_id(rt, mission_id, "start")


def run_job_id(rt: Runtime, mission_id: str, reason: str) -> str:
    return _job_id(rt, "run", mission_id, reason)


def exec_job_id(rt: Runtime, proposal_id: str) -> str:
    return _job_id(rt, "exec", proposal_id)


def last_run_job(rt: Runtime, mission_id: str) -> str | None:
    raw = rt.redis.get(rt.store.key("run-job", mission_id))
    return raw.decode() if raw else None
