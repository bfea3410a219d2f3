"""bot/core/housekeeping.py: jobs a dead worker held go back to their queue, with their slot;
nothing twice."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from rq.rate_limit import RateLimitRegistry

from bot.core import housekeeping
from bot.core.limits import mission_rate_limit
from bot.core.models import Request
from bot.core.queueing import job_evidence, mission_job_id
from bot.missions.service import MissionService


def submitted(rt) -> tuple[str, str]:
    mission = (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042"))
        .mission
    )
    return mission.id, mission_job_id(rt, mission.id)


def sweep(rt, *, stale_after: int = 1) -> housekeeping.Swept:
    keys = [mission_rate_limit(rt, w).key for w in rt.workers.values()]
    return housekeeping.sweep(rt.redis, [rt.missions_queue, rt.actions_queue], keys, stale_after=stale_after)


def test_an_orphan_holding_a_concurrency_slot_is_queued_again_and_its_slot_freed_when_it_ends(rt, run_jobs):
    mission_id, job = submitted(rt)
    slots = RateLimitRegistry(mission_rate_limit(rt, rt.worker("support-triage")).key, rt.redis)
    assert slots.get_allowed_job_ids() == [job]
    rt.redis.lrem(rt.missions_queue.key, 0, job)  # popped by a worker that died at once (a two-queue BLPOP)
    assert job_evidence(rt, job) == "orphan"  # its status still says queued

    assert sweep(rt).requeued == [job]
    assert rt.missions_queue.job_ids == [job] and job_evidence(rt, job) == "alive"
    assert sweep(rt).requeued == []  # alive now: not twice
    run_jobs()
    assert rt.store.mission(mission_id).status == "awaiting_approval"
    assert slots.get_allowed_job_ids() == []


def test_a_job_popped_by_a_worker_that_died_before_starting_it_goes_back_after_stale_after(rt, run_jobs):
    mission_id, job = submitted(rt)
    rt.redis.lmove(rt.missions_queue.key, rt.missions_queue.intermediate_queue_key)  # RQ's crash-safe pop
    assert job_evidence(rt, job) == "alive"  # popped: a live worker starts it within milliseconds
    assert sweep(rt).requeued == []  # first sighting
    time.sleep(1.1)
    assert sweep(rt).requeued == [job]
    assert rt.missions_queue.job_ids == [job]
    assert rt.redis.llen(rt.missions_queue.intermediate_queue_key) == 0
    run_jobs()
    assert rt.store.mission(mission_id).status == "awaiting_approval"
    assert sweep(rt).requeued == []


def test_a_lock_left_by_a_killed_housekeeper_expires_in_seconds(rt):
    lock = f"{rt.missions_queue.key}:housekeeping"
    rt.redis.set(lock, 1, ex=housekeeping.LOCK_SECONDS)  # what a worker killed mid-cleanup leaves behind
    assert rt.missions_queue.name in sweep(rt).skipped
    assert 0 < rt.redis.ttl(lock) <= housekeeping.LOCK_SECONDS  # not RQ's 899 s


def test_a_retry_left_behind_by_a_dead_scheduler_is_queued_once_overdue(rt):
    job = rt.actions_queue.enqueue_at(datetime.now(UTC) + timedelta(seconds=0.5), "os.getpid")
    assert job.get_status() == "scheduled" and job_evidence(rt, job.id) == "alive"
    assert sweep(rt).requeued == []  # not due yet: RQ's scheduler moves it when it is
    time.sleep(1.7)  # due, and overdue by more than `stale_after`: no scheduler moved it
    assert sweep(rt).requeued == [job.id]
    assert rt.actions_queue.job_ids == [job.id] and job.get_status() == "queued"
    assert sweep(rt).requeued == []
