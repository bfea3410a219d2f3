"""`missionbot scheduler`: RQ's CronScheduler with the sweep every minute and one digest check per worker."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import app
from bot.commands.scheduler_cmd import DIGEST_CHECK, build_scheduler
from bot.missions.digest.send import due_week
from bot.platforms.console.messenger import ConsoleMessenger
from tests.support.clock import Clock, clocked_runtime
from tests.support.redis_server import drain


@pytest.fixture
def clocked(settings, redis, tmp_path):
    clock = Clock(datetime(2026, 11, 23, 7, 30, tzinfo=UTC))  # Monday 08:30 in Berlin
    rt = clocked_runtime(settings.model_copy(update={"chart_dir": tmp_path}), redis, clock)
    yield rt, clock
    app.install(None)


def test_registers_the_sweep_and_a_digest_per_worker(rt):
    cron = build_scheduler(rt, name="test")
    jobs = {job.name.removeprefix(rt.settings.key_prefix + ":"): job for job in cron.get_jobs()}
    assert set(jobs) == {"sweep_escalations", "sweep_recovery", *(f"weekly_digest:{w}" for w in rt.workers)}
    assert {"weekly_digest:it-access", "weekly_digest:support-triage"} <= set(jobs)
    sweep = jobs["sweep_escalations"]
    assert (sweep.func_name, sweep.interval, sweep.queue_name) == (
        "jobs.sweeps.sweep_escalations",
        60,
        rt.actions_queue.name,
    )
    recovery = jobs["sweep_recovery"]
    assert (recovery.func_name, recovery.interval) == (
        "jobs.sweeps.sweep_recovery",
        rt.settings.sweep_seconds,
    )
    digest = jobs["weekly_digest:support-triage"]
    assert (digest.func_name, digest.cron, digest.args) == (
        "jobs.sweeps.weekly_digest",
        DIGEST_CHECK,
        ("support-triage",),
    )


def test_enqueued_jobs_run_on_the_worker_queue_and_the_digest_goes_out_once(clocked):
    rt, clock = clocked
    worker = rt.workers["support-triage"]
    rt.workers["support-triage"] = worker.model_copy(
        update={"digest": worker.digest.model_copy(update={"timezone": "Europe/Berlin", "hour": 9})}
    )
    cron = build_scheduler(rt, name="test")
    assert due_week(rt, "support-triage") is None  # 08:30 Berlin: not yet
    cron.enqueue_jobs()  # what CronScheduler.start() does each round: the interval jobs are due at once
    assert len(rt.actions_queue) == 2  # the escalation and the recovery sweeps
    drain(rt)
    clock.now = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)  # 09:05 Berlin
    assert due_week(rt, "support-triage") == "2026-W48"
    for job in cron.get_jobs():  # two schedulers would enqueue the check twice: still one digest
        if job.name.endswith("weekly_digest:support-triage"):
            job.enqueue(rt.redis)
            job.enqueue(rt.redis)
    drain(rt)
    posted = [
        m
        for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()
        if m["conversation"] == "C0MANAGERS"
    ]
    # One digest, then its chart's path (the console writes the chart to a file).
    assert len(posted) == 2 and posted[0]["text"].startswith(
        "Weekly digest: Support Triage, 2026-11-16 to 2026-11-23"
    )
    assert posted[1]["text"].startswith(f"📈 Chart: {rt.settings.chart_dir}")
    assert [e["kind"] for e in rt.audit.events()].count("digest.sent") == 1


def test_registers_the_retention_sweep_only_when_a_retention_is_set(rt, monkeypatch):
    monkeypatch.setattr(rt.settings, "record_retention_days", 30)
    jobs = {
        job.name.removeprefix(rt.settings.key_prefix + ":"): job for job in build_scheduler(rt).get_jobs()
    }
    assert (jobs["sweep_retention"].func_name, jobs["sweep_retention"].interval) == (
        "jobs.sweeps.sweep_retention",
        3600,
    )
