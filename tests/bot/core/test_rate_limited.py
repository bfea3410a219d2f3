"""A rate-limited job's marker, its checks and RQ's own enqueue in one script: one round trip, and all or
nothing (a failing write takes the marker back, so the job is not refused for 24 h)."""

from __future__ import annotations

import pytest
from redis.exceptions import ResponseError
from rq import Queue, RateLimit
from rq.job import Job, JobStatus

from benchmarks.costs import counting
from bot.core import queueing
from bot.core.models import MessageRef, Request
from bot.core.rate_limited import Marked, RecordChanged, enqueue_once
from bot.missions.service import MissionService


def created(rt) -> str:
    request = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    return MissionService(rt).create(request).mission.id


def test_a_mission_start_is_one_round_trip_with_rqs_own_record_of_the_job(rt, run_jobs):
    queueing.enqueue_mission(rt, created(rt))  # the first loads the script and reads RQ's server version
    mission_id = created(rt)
    with counting() as count:
        assert queueing.enqueue_mission(rt, mission_id, worker="support-triage", if_status="queued")
    assert count.n == 1
    job_id = queueing.mission_job_id(rt, mission_id)
    job = Job.fetch(job_id, connection=rt.redis)
    assert job.origin == rt.missions_queue.name and job.rate_limit_key and job.retries_left == 3
    # RQ's binary fields (the compressed call, the pickled meta) and its numbers came through the script whole
    assert job.args == (mission_id,) and job.meta["log"]["mission_id"] == mission_id and job.timeout == 600
    assert job.get_status() == "queued" and job_id in rt.missions_queue.job_ids
    assert queueing.last_run_job(rt, mission_id) == job_id
    run_jobs()
    assert rt.store.mission(mission_id).status == "awaiting_approval"


def test_a_failing_write_of_rqs_takes_the_marker_and_the_latest_run_back(rt):
    mission_id = created(rt)
    assert queueing.enqueue_mission(rt, mission_id, reason="first")
    first = queueing.last_run_job(rt, mission_id)
    job_id = queueing.run_job_id(rt, mission_id, "again")
    rt.redis.set(f"rq:job:{job_id}", "not a hash")  # RQ's HSET of the job fails inside the script
    with pytest.raises(ResponseError):
        queueing.enqueue_mission(rt, mission_id, reason="again")
    assert not rt.redis.exists(f"{job_id}:enqueued") and queueing.last_run_job(rt, mission_id) == first
    rt.redis.delete(f"rq:job:{job_id}")
    assert queueing.enqueue_mission(rt, mission_id, reason="again")  # not refused for 24 h
    assert queueing.last_run_job(rt, mission_id) == job_id


def test_a_mission_no_longer_queued_or_missing_is_not_enqueued(rt):
    mission_id = created(rt)
    rt.store.mutate_mission(mission_id, lambda m: m.model_copy(update={"status": "cancelled"}))
    assert not queueing.enqueue_mission(rt, mission_id, worker="support-triage", if_status="queued")
    assert not rt.redis.exists(f"{queueing.mission_job_id(rt, mission_id)}:enqueued")
    assert len(rt.missions_queue) == 0


def test_the_replay_writes_what_rqs_own_enqueue_writes(rt):
    queue = Queue(f"{rt.settings.key_prefix}-replayed", connection=rt.redis)

    def job(name: str) -> Job:  # text beyond ASCII, a float and empty fields: each word's bytes kept whole
        return queue.create_job(
            "benchmarks.noop.noop",
            args=("é ü 1",),
            job_id=f"{rt.settings.key_prefix}-{name}",
            meta={"log": {"who": "ü", "n": 1.5}},
            rate_limit=RateLimit(key=f"{rt.settings.key_prefix}-replayed", concurrency=2),
            status=JobStatus.QUEUED,
        )

    sent, replayed = job("sent"), job("replayed")
    queue._enqueue_rate_limited_job(sent)  # RQ's pipeline, sent by RQ
    assert enqueue_once(queue, replayed, marked=Marked())

    def fields(job: Job) -> dict[bytes, bytes]:
        stored = rt.redis.hgetall(f"rq:job:{job.id}")
        assert stored.pop(b"created_at") and stored.pop(b"enqueued_at")
        return stored

    assert fields(sent) == fields(replayed) and fields(sent)[b"status"] == b"queued"
    assert queue.job_ids == [sent.id, replayed.id]
    assert Job.fetch(replayed.id, connection=rt.redis).args == ("é ü 1",)


def test_a_launch_with_its_status_message_attaches_it_and_enqueues_in_one_round_trip(rt, run_jobs):
    svc = MissionService(rt)
    request = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    svc.launch(svc.create(request))  # the first loads the scripts and reads RQ's server version
    submitted = svc.create(request)
    status = MessageRef(platform="console", conversation="C0SUPPORT", ts="1.2", thread=None)
    with counting() as count:
        assert svc.launch(submitted, status=status)
    assert count.n == 1
    mission_id = submitted.mission.id
    assert rt.store.mission(mission_id).status_ref == status
    assert queueing.last_run_job(rt, mission_id) == queueing.mission_job_id(rt, mission_id)
    assert not svc.launch(submitted, status=status)  # launched once; the status still attached
    run_jobs()
    assert rt.store.mission(mission_id).status == "awaiting_approval"


def test_a_launch_after_the_record_changed_writes_nothing_then_attaches_to_what_it_holds(rt):
    svc = MissionService(rt)
    request = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    submitted = svc.create(request)
    mission_id = submitted.mission.id
    rt.store.mutate_mission(mission_id, lambda m: m.model_copy(update={"state": {"noted": 1}}))
    status = MessageRef(platform="console", conversation="C0SUPPORT", ts="1.2", thread=None)
    expected = submitted.mission.model_dump_json()
    new = submitted.mission.model_copy(update={"status_ref": status}).model_dump_json()
    with pytest.raises(RecordChanged):  # the one-round-trip attach refuses bytes it did not expect
        queueing.enqueue_mission(rt, mission_id, if_status="queued", replace=(expected, new))
    assert not rt.redis.exists(f"{queueing.mission_job_id(rt, mission_id)}:enqueued")
    assert rt.store.mission(mission_id).status_ref is None
    assert svc.launch(submitted, status=status)  # and the launch falls back to attach, then enqueue
    mission = rt.store.mission(mission_id)
    assert mission.status_ref == status and mission.state == {"noted": 1}
    assert queueing.last_run_job(rt, mission_id) == queueing.mission_job_id(rt, mission_id)


def test_a_launch_of_a_mission_cancelled_meanwhile_attaches_its_status_and_enqueues_nothing(rt):
    svc = MissionService(rt)
    request = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    submitted = svc.create(request)
    mission_id = submitted.mission.id
    rt.store.mutate_mission(mission_id, lambda m: m.model_copy(update={"status": "cancelled"}))
    status = MessageRef(platform="console", conversation="C0SUPPORT", ts="1.2", thread=None)
    assert not svc.launch(submitted, status=status)
    assert rt.store.mission(mission_id).status_ref == status  # its later "cancelled" edit has a message
    assert len(rt.missions_queue) == 0
