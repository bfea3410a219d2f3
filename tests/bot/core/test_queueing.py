"""Job ids derived from the work: a duplicate enqueue is refused by RQ (or by a marker where RQ cannot), and
what Redis shows of a job is told apart from what its status field claims."""

from __future__ import annotations

import uuid

from rq import rate_limit
from rq.job import Job

from bot.core import queueing
from bot.core.models import Request
from bot.missions.service import MissionService


def created(rt, text: str = "ESC-1042") -> str:
    request = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=text)
    return MissionService(rt).create(request).mission.id


def test_job_ids_carry_the_prefix_and_the_work_and_only_safe_characters(rt):
    prefix = rt.settings.key_prefix
    assert queueing.mission_job_id(rt, "M-ABC234") == f"{prefix}-run-M-ABC234-start"
    assert queueing.run_job_id(rt, "M-1", "resume:P 1") == f"{prefix}-run-M-1-resume_P_1"
    assert queueing.exec_job_id(rt, "M-1-s5") == f"{prefix}-exec-M-1-s5"


def test_a_mission_is_enqueued_once_and_its_latest_run_job_remembered(rt):
    mission_id = created(rt)
    assert queueing.enqueue_mission(rt, mission_id) is True
    assert queueing.enqueue_mission(rt, mission_id) is False  # the rate-limited queue: refused by a marker
    job_id = queueing.mission_job_id(rt, mission_id)
    assert queueing.last_run_job(rt, mission_id) == job_id and len(rt.missions_queue) == 1
    job = Job.fetch(job_id, connection=rt.redis)
    assert job.func_name == "jobs.missions.run_mission" and job.args == (mission_id,)
    assert queueing.job_status(rt, job_id) == "queued" and queueing.job_evidence(rt, job_id) == "alive"


def test_a_server_without_rqs_promotion_script_still_queues_the_mission(rt, monkeypatch):
    """The enqueue's script (RQ's promotion inlined in it) runs by its SHA alone; a server that lost it (a
    restart) answers NOSCRIPT, and the script is loaded and run again, once."""
    unknown = rate_limit.ACQUIRE_AND_ENQUEUE_SCRIPT + f"\n-- {uuid.uuid4().hex}"  # a SHA no server has
    monkeypatch.setattr(rate_limit, "ACQUIRE_AND_ENQUEUE_SCRIPT", unknown)
    mission_id = created(rt)
    assert queueing.enqueue_mission(rt, mission_id) is True
    job_id = queueing.mission_job_id(rt, mission_id)
    assert queueing.job_status(rt, job_id) == "queued" and rt.missions_queue.job_ids == [job_id]


def test_a_marker_left_without_its_job_is_replaced_only_when_asked(rt):
    mission_id = created(rt)
    rt.redis.set(f"{queueing.mission_job_id(rt, mission_id)}:enqueued", 1)  # a crash between the two writes
    assert queueing.enqueue_mission(rt, mission_id) is False
    assert queueing.enqueue_mission(rt, mission_id, replace_stale=True) is True
    assert len(rt.missions_queue) == 1


def test_executions_and_card_syncs_are_unique_per_proposal_and_reason(rt):
    assert queueing.enqueue_execution(rt, "P-1") is True and queueing.enqueue_execution(rt, "P-1") is False
    assert queueing.enqueue_card_sync(rt, "P-1", reason="closed") is True
    assert queueing.enqueue_card_sync(rt, "P-1", reason="closed") is False
    assert queueing.enqueue_card_sync(rt, "P-1", reason="executed") is True
    assert len(rt.actions_queue) == 3


def test_evidence_tells_an_orphan_from_a_live_job(rt, run_jobs):
    assert queueing.job_status(rt, "nope") is None and queueing.job_evidence(rt, "nope") == "absent"
    queueing.enqueue_execution(rt, "P-1")
    job_id = queueing.exec_job_id(rt, "P-1")
    rt.redis.lrem(f"rq:queue:{rt.actions_queue.name}", 0, job_id)  # Redis lost the write that held it
    assert queueing.job_evidence(rt, job_id) == "orphan"
    rt.redis.hset(f"rq:job:{job_id}", "status", "finished")
    assert queueing.job_evidence(rt, job_id) == "finished"
    rt.redis.hset(f"rq:job:{job_id}", "status", "stopped")
    assert queueing.job_evidence(rt, job_id) == "failed"
    rt.redis.hset(f"rq:job:{job_id}", "status", "deferred")
    assert queueing.job_evidence(rt, job_id) == "alive"
