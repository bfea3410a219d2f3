"""Enqueue jobs with ids derived from the work, so a duplicate enqueue is rejected by RQ itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from rq import Callback, RateLimit, Retry, Worker
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.queue import Queue

from bot.core import log_context, tracing
from bot.core.housekeeping import job_is_alive
from bot.core.limits import mission_rate_limit
from bot.core.rate_limited import Marked, enqueue_once
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
    marked: Marked | None = None,
    ids: dict[str, str],
) -> bool:
    callback = Callback(on_failure) if on_failure else None
    # The job's log ids (bot/core/rq_worker.py binds them where it runs): what it is about, and the request
    # that led to it, so a request's lines and its jobs' lines share a request_id.
    request = log_context.current().get("request_id")
    meta = {"log": {**ids, **({"request_id": request} if request else {})}}
    if trace := tracing.carrier():  # the trace the job continues (bot/core/tracing.py; {} when off)
        meta["trace"] = trace
    if rate_limit is not None:
        job = queue.create_job(
            func,
            args=(arg,),
            job_id=job_id,
            retry=RETRY,
            timeout=600,
            on_failure=callback,
            rate_limit=rate_limit,
            meta=meta,
            status=JobStatus.QUEUED,
        )
        return enqueue_once(queue, job, marked=marked or Marked(), replace_stale=replace_stale)
    try:
        queue.enqueue(
            func,
            arg,
            job_id=job_id,
            unique=True,
            retry=RETRY,
            job_timeout=600,
            on_failure=callback,
            meta=meta,
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
    rt: Runtime,
    mission_id: str,
    *,
    reason: str = "start",
    replace_stale: bool = False,
    worker: str | None = None,
    if_status: str | None = None,
    replace: tuple[bytes | str, bytes | str] | None = None,
) -> bool:
    """`worker`: the mission's, when the caller knows it (saves a read). `if_status`: enqueue only while the
    mission has this status (False otherwise), checked in the same round trip as the duplicate marker.
    `replace`: (expected bytes, new bytes) of the mission record, set in that round trip too (with
    `if_status`); `RecordChanged` when it holds other bytes, and then nothing is written."""
    worker_config = rt.worker(worker or rt.store.mission(mission_id).worker)
    job_id = run_job_id(rt, mission_id, reason)
    # The recovery sweep checks the latest run job of a mission that should be moving: recorded with the
    # marker, and put back if the enqueue fails.
    marked = Marked(
        latest=rt.store.key("run-job", mission_id),
        record=rt.store.key("mission", mission_id) if if_status else "",
        status=if_status or "",
        replace=replace if if_status else None,
    )
    return _enqueue(
        rt.missions_queue,
        "jobs.missions.run_mission",
        mission_id,
        job_id,
        on_failure="jobs.missions.on_mission_failure",
        rate_limit=mission_rate_limit(rt, worker_config),
        replace_stale=replace_stale,
        marked=marked,
        ids={"mission_id": mission_id, "worker_id": worker_config.name},
    )


def enqueue_execution(rt: Runtime, proposal_id: str, *, asked: int = 0) -> bool:
    """`asked`: the proposal's round (`Proposal.asked`); a proposal asked again runs under a new job id."""
    return _enqueue(
        rt.actions_queue,
        "jobs.actions.execute_proposal",
        proposal_id,
        exec_job_id(rt, proposal_id, asked=asked),
        on_failure="jobs.actions.on_execution_failure",
        ids={"proposal_id": proposal_id},
    )


def enqueue_card_sync(rt: Runtime, proposal_id: str, *, reason: str) -> bool:
    return _enqueue(
        rt.actions_queue,
        "jobs.actions.sync_cards",
        proposal_id,
        _job_id(rt, "sync", proposal_id, reason),
        ids={"proposal_id": proposal_id},
    )


def mission_job_id(rt: Runtime, mission_id: str) -> str:
    return run_job_id(rt, mission_id, "start")


def run_job_id(rt: Runtime, mission_id: str, reason: str) -> str:
    return _job_id(rt, "run", mission_id, reason)


def exec_job_id(rt: Runtime, proposal_id: str, *, asked: int = 0) -> str:
    return _job_id(rt, "exec", proposal_id, *([f"r{asked}"] if asked else []))


def last_run_job(rt: Runtime, mission_id: str) -> str | None:
    raw = rt.redis.get(rt.store.key("run-job", mission_id))
    return raw.decode() if raw else None


def fresh_workers(rt: Runtime, *, now: datetime | None = None) -> dict[str, int]:
    """RQ workers per queue whose heartbeat is younger than `worker_ttl`: a killed worker's record
    outlives it by a minute or more, so being registered is no evidence of life."""
    cutoff = (now or datetime.now(UTC)) - timedelta(seconds=rt.settings.worker_ttl)
    counts = {}
    for name, queue in (("missions", rt.missions_queue), ("actions", rt.actions_queue)):
        workers = Worker.all(queue=queue)
        counts[name] = sum(1 for w in workers if w.last_heartbeat and w.last_heartbeat >= cutoff)
    return counts
