"""Scheduled jobs (`missionbot scheduler` enqueues them):
escalation sweep, trust checks, recovery, digests, retention."""

from __future__ import annotations

from datetime import timedelta

from rq import get_current_job

from bot import app
from bot.core import housekeeping, retention, runtime
from bot.core.audit_retention import trim
from bot.core.audit_trim import covered
from bot.core.inbox import Inbox
from bot.core.limits import mission_rate_limit
from bot.missions.digest import rollup
from bot.missions.digest.send import send_if_due
from bot.missions.escalation import Escalator
from bot.missions.intake import Intake
from bot.missions.recovery import Recovery
from bot.missions.service import MissionService
from bot.missions.trust import Trust


def _rt() -> runtime.Runtime:
    job = get_current_job()
    return app.for_job(job.connection if job else None)


def sweep_escalations() -> int:
    """Remind, re-route or expire overdue proposals, then apply the error budgets; returns steps taken."""
    rt = _rt()
    steps = Escalator(rt).sweep()
    Trust(rt).enforce_all()
    return len(steps)


def sweep_recovery() -> int:
    """Every `sweep_seconds`: give back the jobs dead workers held (bot/core/housekeeping.py), handle the
    requests and clicks a dead `serve` acked but never handled (bot/missions/intake.py), then finish the
    follow-ups a crash left undone (bot/missions/recovery.py); returns how many things were repaired."""
    rt = _rt()
    inbox = Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, consumer="recovery")
    handled = len(Intake(MissionService(rt)).recover(inbox))
    swept = housekeeping.sweep(
        rt.redis,
        [rt.missions_queue, rt.actions_queue],
        [mission_rate_limit(rt, w).key for w in rt.workers.values()],
        stale_after=rt.settings.abandoned_after,
    )
    return handled + len(swept.requeued) + len(Recovery(rt).sweep())


def weekly_digest(worker: str) -> bool:
    """Fold the new audit events into the digest's hourly rollups (every 15 minutes, so a digest reads
    hours, not events), then send `worker`'s digest when its configured local day and hour have come."""
    rt = _rt()
    rollup.fold(rt)
    return send_if_due(rt, worker)


def sweep_retention() -> int:
    """Hourly when a retention is set: delete closed missions' records older than
    MISSIONBOT_RECORD_RETENTION_DAYS and trim audit events older than MISSIONBOT_AUDIT_RETENTION_DAYS that
    the last `audit checkpoint` covers; returns how many missions and events went."""
    rt = _rt()
    now, settings, gone = rt.clock(), rt.settings, 0
    if settings.record_retention_days is not None:
        before = now - timedelta(days=settings.record_retention_days)
        gone += len(retention.expire_closed(rt.store, workers=sorted(rt.workers), before=before))
    if settings.audit_retention_days is not None:
        before = now - timedelta(days=settings.audit_retention_days)
        gone += trim(rt.audit, checkpoint=covered(rt.audit), before=before, now=now).events
    return gone
