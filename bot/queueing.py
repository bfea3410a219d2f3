"""Enqueue jobs with ids derived from the work, so a duplicate enqueue is rejected by RQ itself."""

from __future__ import annotations

import re

from rq import Callback, RateLimit, Retry
from rq.exceptions import DuplicateJobError
from rq.queue import Queue

from bot.limits import mission_rate_limit
from bot.runtime import Runtime

# First retry at once (a killed worker), then back off for transient failures.
RETRY = Retry(max=3, interval=[0, 5, 30])


def _job_id(rt: Runtime, *parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", "-".join((rt.settings.key_prefix, *parts)))


def _enqueue(queue: Queue, func: str, arg: str, job_id: str, *, on_failure: str | None = None,
             rate_limit: RateLimit | None = None) -> bool:
    callback = Callback(on_failure) if on_failure else None
    if rate_limit is not None:
        # RQ refuses unique=True with a rate limit, so a marker key rejects the duplicate instead.
        if not queue.connection.set(f"{job_id}:enqueued", 1, nx=True, ex=86_400):
            return False
        queue.enqueue(func, arg, job_id=job_id, retry=RETRY, job_timeout=600, on_failure=callback,
                      rate_limit=rate_limit)
        return True
    try:
        queue.enqueue(func, arg, job_id=job_id, unique=True, retry=RETRY, job_timeout=600, on_failure=callback)
    except DuplicateJobError:
        return False
    return True


def enqueue_mission(rt: Runtime, mission_id: str, *, reason: str = "start") -> bool:
    worker = rt.worker(rt.store.mission(mission_id).worker)
    return _enqueue(rt.missions_queue, "jobs.missions.run_mission", mission_id,
                    _job_id(rt, "run", mission_id, reason), on_failure="jobs.missions.on_mission_failure",
                    rate_limit=mission_rate_limit(rt, worker))


def enqueue_execution(rt: Runtime, proposal_id: str) -> bool:
    return _enqueue(rt.actions_queue, "jobs.actions.execute_proposal", proposal_id,
                    _job_id(rt, "exec", proposal_id), on_failure="jobs.actions.on_execution_failure")


def enqueue_card_sync(rt: Runtime, proposal_id: str, *, reason: str) -> bool:
    return _enqueue(rt.actions_queue, "jobs.actions.sync_cards", proposal_id,
                    _job_id(rt, "sync", proposal_id, reason))


def mission_job_id(rt: Runtime, mission_id: str) -> str:
    return _job_id(rt, "run", mission_id, "start")
