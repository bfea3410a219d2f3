"""Two `missionbot scheduler`s on one Redis enqueue each cron job once per period between them
(bot/commands/scheduler_periods.py): the period key is claimed with SET NX before the enqueue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rq.cron import get_cron_job_ids

from bot.commands import scheduler_periods
from bot.commands.scheduler_cmd import build_scheduler


def _history(rt, suffix: str) -> list[str]:
    return get_cron_job_ids(f"{rt.settings.key_prefix}:{suffix}", rt.redis)


def test_two_schedulers_enqueue_each_job_once_per_period(rt, monkeypatch):
    first, second = build_scheduler(rt, name="a"), build_scheduler(rt, name="b")
    at = datetime(2026, 11, 23, 7, 30, 0, 500000, tzinfo=UTC)
    monkeypatch.setattr(scheduler_periods, "now", lambda: at)
    assert {j.name for j in first.enqueue_jobs()} == {j.name for j in first.get_jobs() if j.interval}
    assert second.enqueue_jobs() == []  # same periods: the other scheduler took them
    assert len(_history(rt, "sweep_escalations")) == 1 and len(_history(rt, "sweep_recovery")) == 1
    every = rt.settings.sweep_seconds
    for job in (*first.get_jobs(), *second.get_jobs()):  # the next run is the next period's boundary
        if job.name.endswith("sweep_recovery"):
            assert job.next_enqueue_time.timestamp() % every == 0
            assert job.next_enqueue_time > at


def test_a_cron_job_due_in_both_schedulers_is_enqueued_once(rt, monkeypatch):
    first, second = build_scheduler(rt, name="a"), build_scheduler(rt, name="b")
    digests = [j for s in (first, second) for j in s.get_jobs() if j.name.endswith("support-triage")]
    due = digests[0].next_enqueue_time
    for job in digests:
        assert job.next_enqueue_time == due
        monkeypatch.setattr(job, "should_run", lambda: True)
    monkeypatch.setattr(scheduler_periods, "now", lambda: due + timedelta(seconds=1))
    enqueued = [j.name for s in (first, second) for j in s.enqueue_jobs() if j.cron]
    assert enqueued.count(f"{rt.settings.key_prefix}:weekly_digest:support-triage") == 1
    assert len(_history(rt, "weekly_digest:support-triage")) == 1
