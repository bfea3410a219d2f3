"""A crash between a state change and its follow-ups is finished by the recovery sweep
(bot/missions/recovery.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.errors import AlreadyDecided
from bot.core.models import Request
from bot.core.queueing import enqueue_mission, mission_job_id
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions import decisions as decisions_module
from bot.missions.recovery import Recovery
from bot.missions.service import MissionService
from jobs.sweeps import sweep_recovery

NOW = timedelta(0)


def request(user: str = "U0AGENT") -> Request:
    return Request(platform="console", conversation="C0SUPPORT", requester=user, text="ESC-1042")


def parked(rt, run_jobs) -> tuple[str, str]:
    mission = MissionService(rt).submit(request()).mission
    run_jobs()
    return mission.id, rt.store.mission(mission.id).proposals[0]


def decisions(rt, pid: str) -> list[str]:
    return [
        e["kind"] for e in rt.audit.events() if e["kind"].startswith("decision.") and e["proposal"] == pid
    ]


def credits(rt) -> list[dict]:
    return HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()


def crash_after_the_decision(monkeypatch) -> None:
    """The process dies right after the proposal's state change: no audit event, no job."""

    def die(*_a, **_k):
        raise SystemExit("worker killed")

    monkeypatch.setattr(decisions_module, "record_decision", die)


def test_an_approval_cut_off_before_its_job_is_audited_and_executed_by_the_sweep(rt, run_jobs, monkeypatch):
    mission_id, pid = parked(rt, run_jobs)
    svc = MissionService(rt)
    crash_after_the_decision(monkeypatch)
    with pytest.raises(SystemExit):
        svc.decide(pid, actor="U0OWNER1", approve=True, platform="console")
    monkeypatch.undo()
    assert (
        rt.store.proposal(pid).status == "approved"
        and decisions(rt, pid) == []
        and len(rt.actions_queue) == 0
    )
    with pytest.raises(AlreadyDecided):  # a second click cannot repair it: only the sweep can
        svc.decide(pid, actor="U0OWNER2", approve=True, platform="console")
    assert len(Recovery(rt).sweep()) == 0  # within the grace period nothing is touched

    done = Recovery(rt, grace=NOW).sweep()
    assert (done.audited, done.executions) == ([pid], [pid])
    run_jobs()
    assert rt.store.proposal(pid).status == "executed" and len(credits(rt)) == 1
    assert rt.store.mission(mission_id).status == "done"
    assert decisions(rt, pid) == ["decision.approved"]
    assert len(Recovery(rt, grace=NOW).sweep()) == 0  # nothing left to recover, nothing repeated


def test_a_rejection_cut_off_before_the_resume_closes_its_mission_through_the_recovery_sweep(
    rt, run_jobs, monkeypatch
):
    mission_id, pid = parked(rt, run_jobs)
    crash_after_the_decision(monkeypatch)
    with pytest.raises(SystemExit):
        MissionService(rt).decide(
            pid, actor="U0OWNER1", approve=False, platform="console", reason_code="wrong_amount"
        )
    monkeypatch.undo()
    monkeypatch.setattr("bot.missions.recovery.GRACE", NOW)  # the scheduler's sweep, its grace period over
    monkeypatch.setattr(rt.settings, "recovery_grace", 0)
    sweep_recovery()  # the registered recovery sweep
    run_jobs()
    closed = rt.store.mission(mission_id)
    assert closed.status == "done" and "rejected by @U0OWNER1" in closed.verdict
    assert decisions(rt, pid) == ["decision.rejected"] and credits(rt) == []


def test_a_mission_created_but_never_started_is_started_after_the_grace_period(rt, run_jobs):
    svc = MissionService(rt)
    mission = svc.create(request()).mission  # the ack path; the process dies before `start`
    assert len(rt.missions_queue) == 0
    assert Recovery(rt).sweep().started == []  # young: the surface may still be posting its reply
    assert Recovery(rt, grace=NOW).sweep().started == [mission.id]
    assert Recovery(rt, grace=NOW).sweep().started == []  # its job is queued now: not again
    run_jobs()
    assert rt.store.mission(mission.id).status == "awaiting_approval"


def test_start_is_idempotent(rt, run_jobs):
    svc = MissionService(rt)
    mission = svc.create(request()).mission
    assert svc.start(mission.id) and not svc.start(mission.id)
    assert len(rt.missions_queue) == 1
    run_jobs()
    assert not svc.start(mission.id)  # it is no longer queued
    assert rt.store.mission(mission.id).status == "awaiting_approval"


def test_a_running_mission_whose_job_vanished_is_run_again(rt, run_jobs):
    mission = MissionService(rt).submit(request()).mission
    run_jobs()
    rt.store.mutate_mission(mission.id, lambda m: m.model_copy(update={"status": "running"}))  # died mid-run
    assert Recovery(rt, grace=NOW).sweep().started == [mission.id]
    run_jobs()
    assert rt.store.mission(mission.id).status == "awaiting_approval"
    assert len(rt.store.mission(mission.id).proposals) == 1


def test_a_failed_enqueue_leaves_no_marker_behind(rt, monkeypatch):
    mission = MissionService(rt).create(request()).mission
    # RQ's own enqueue of a rate-limited job, as bot/core/queueing.py runs it (in one MULTI).
    real = type(rt.missions_queue)._enqueue_rate_limited_job
    calls = []

    def flaky(self, *a, **k):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("redis went away mid-enqueue")
        return real(self, *a, **k)

    monkeypatch.setattr(type(rt.missions_queue), "_enqueue_rate_limited_job", flaky)
    with pytest.raises(ConnectionError):
        enqueue_mission(rt, mission.id)
    assert enqueue_mission(rt, mission.id)  # not refused for 24 h
    assert len(rt.missions_queue) == 1


def test_a_marker_left_without_its_job_counts_as_absent_for_the_sweep(rt, run_jobs):
    mission = MissionService(rt).create(request()).mission
    rt.redis.set(
        f"{mission_job_id(rt, mission.id)}:enqueued", 1, ex=86_400
    )  # died between marker and enqueue
    assert not MissionService(rt).start(mission.id)  # the ordinary path still treats it as a duplicate
    assert Recovery(rt, grace=NOW).sweep().started == [mission.id]
    assert rt.missions_queue.job_ids == [mission_job_id(rt, mission.id)]  # the start job itself, once
    run_jobs()
    assert rt.store.mission(mission.id).status == "awaiting_approval"


def test_a_mission_stuck_parked_after_its_resume_ended_is_re_driven_once_not_every_sweep(rt, run_jobs):
    from rq.job import Job

    from bot.core.queueing import last_run_job

    mission_id, pid = parked(rt, run_jobs)
    rt.store.mutate_proposal(pid, lambda p: p.model_copy(update={"status": "rejected"}))  # settled

    def ended_without_moving_it(job_id: str) -> None:
        rt.missions_queue.remove(job_id)
        Job.fetch(job_id, connection=rt.redis).set_status("finished")

    assert enqueue_mission(rt, mission_id, reason=f"after-{pid}")
    ended_without_moving_it(last_run_job(rt, mission_id))
    start, sweeps = rt.clock(), iter(range(1, 100))
    rt.clock = lambda: start + timedelta(minutes=next(sweeps))  # each sweep a minute after the last
    assert Recovery(rt, grace=NOW).sweep().resumed == [mission_id]
    assert Recovery(rt, grace=NOW).sweep().resumed == []  # its recovery job is queued: alive
    ended_without_moving_it(last_run_job(rt, mission_id))
    assert Recovery(rt, grace=NOW).sweep().resumed == []  # a second run would end the same way
    assert len(rt.missions_queue) == 0
