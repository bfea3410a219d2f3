"""Recovery sweep: finish what a crash between two writes left undone, on every recovery sweep.

A decision, a submission or a settlement is one atomic state change followed by follow-ups (an audit
event, a job). A process that dies in between leaves a record that says "approved" with no execution
job, a mission that says "queued" with no run job, or a mission parked on a proposal that has settled.
The state change is the source of truth; this sweep re-derives the missing follow-ups from it. Every
follow-up is idempotent (job ids derived from the work, done-markers for audit events), so running it
next to the normal path, or twice, adds nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rq.job import Job

from bot.core.housekeeping import requeue_orphan
from bot.core.models import Mission, Proposal
from bot.core.outage import REDIS_DOWN
from bot.core.queueing import (
    enqueue_card_sync,
    enqueue_execution,
    enqueue_mission,
    exec_job_id,
    job_evidence,
    last_run_job,
    mission_job_id,
    run_job_id,
)
from bot.core.runtime import Runtime
from bot.missions.decisions import in_round, record_decision

log = logging.getLogger(__name__)

GRACE = timedelta(minutes=2)  # longer than any ack path between creating a mission and starting it
UNSETTLED = {"pending", "approved", "executing"}


@dataclass(kw_only=True)
class Recovered:
    audited: list[str] = field(default_factory=list)  # proposals whose decision event was written now
    executions: list[str] = field(default_factory=list)  # proposals whose execution job was re-enqueued
    started: list[str] = field(default_factory=list)  # missions whose run job was re-enqueued
    resumed: list[str] = field(default_factory=list)  # missions resumed after their proposal settled

    def __len__(self) -> int:
        return len(self.audited) + len(self.executions) + len(self.started) + len(self.resumed)


class Recovery:
    """`grace`: how old a decision or a new mission must be before its follow-ups count as missing (the
    ack path writes them a moment later). A mission whose jobs show no sign of life is re-driven once
    the symptom has lasted `settings.recovery_grace` seconds, and once per symptom, not every sweep."""

    def __init__(self, rt: Runtime, *, grace: timedelta | None = None) -> None:
        self.rt, self.grace = rt, GRACE if grace is None else grace
        self.stuck_after = timedelta(seconds=rt.settings.recovery_grace) if grace is None else grace

    def sweep(self) -> Recovered:
        done = Recovered()
        # One sweep at a time: two would each see the same job missing and both enqueue it.
        lock = self.rt.store.key("recovery", "lock")
        if not self.rt.redis.set(lock, 1, nx=True, ex=55):
            return done
        try:
            for worker in self.rt.workers:
                for mission_id in self.rt.store.open_missions(worker):
                    try:
                        self._mission(self.rt.store.mission(mission_id), done)
                    except REDIS_DOWN:
                        raise  # nothing else can be recovered either; the next sweep starts over
                    except Exception:  # one broken record must not stop the others' recovery
                        log.exception("recovery of mission %s failed", mission_id)
        finally:
            self.rt.redis.delete(lock)
        return done

    def _mission(self, mission: Mission, done: Recovered) -> None:
        proposals = [self.rt.store.proposal(pid) for pid in mission.proposals]
        for proposal in proposals:
            # After the grace period only: `decide` writes it a moment after the state change
            # (bot/missions/decisions.py, whose audit step this is).
            if self._older(proposal.decided_at) and record_decision(self.rt, proposal):
                done.audited.append(proposal.id)
                enqueue_card_sync(self.rt, proposal.id, reason=in_round(proposal, "decided"))
            if proposal.status in {"approved", "executing"} and self._execution_lost(proposal):
                done.executions.append(proposal.id)
        if mission.status in {"queued", "running"} and self._run_lost(mission):
            done.started.append(mission.id)
        elif (
            mission.status == "awaiting_approval"
            and proposals
            and not any(p.status in UNSETTLED for p in proposals)
            and self._resume_lost(mission, proposals[-1].id)
        ):
            done.resumed.append(mission.id)

    def _execution_lost(self, proposal: Proposal) -> bool:
        job_id = exec_job_id(self.rt, proposal.id, asked=proposal.asked)
        evidence = job_evidence(self.rt, job_id)
        if evidence == "orphan":  # its worker died holding it: the same job runs again
            return requeue_orphan(self.rt.redis, job_id)
        if evidence in {"alive", "finished"} or not self._older(proposal.decided_at):
            return False  # an auto-approval runs inline in its mission; a fresh approval is being enqueued
        if evidence == "failed":  # failed for good and its failure callback did not settle it
            Job.fetch(job_id, connection=self.rt.redis).delete()
        log.warning("re-enqueueing the execution of approved proposal %s (job %s)", proposal.id, evidence)
        return enqueue_execution(self.rt, proposal.id, asked=proposal.asked)

    def _revived(self, jobs: list[str]) -> bool | None:
        """True when an orphan among `jobs` was queued again, False when one is alive, else None."""
        evidence = {job: job_evidence(self.rt, job) for job in jobs}
        if "alive" in evidence.values():
            return False
        orphans = [job for job, seen in evidence.items() if seen == "orphan"]
        if any([requeue_orphan(self.rt.redis, job) for job in orphans]):
            log.warning("queued again the orphaned run job(s) %s", ", ".join(orphans))
            return True
        return None

    def _run_lost(self, mission: Mission) -> bool:
        start = mission_job_id(self.rt, mission.id)
        latest = last_run_job(self.rt, mission.id)
        revived = self._revived(list(dict.fromkeys(j for j in (latest, start) if j)))
        if revived is not None:
            return revived
        if mission.status == "queued" and not Job.exists(start, connection=self.rt.redis):
            if not self._older(mission.created_at):
                return False  # the surface may still be posting its ack before `start`
            # The start job itself, if it never got there (a marker without a job counts as absent).
            if enqueue_mission(self.rt, mission.id, replace_stale=True):
                log.warning("started mission %s, queued with no run job", mission.id)
                return True
            return False
        # Its last job ended (or vanished) and left it queued/running: run it again, once at this point.
        return self._redrive_once(
            mission, symptom=f"{mission.status}-{mission.cursor}-{len(mission.proposals)}"
        )

    def _resume_lost(self, mission: Mission, last: str) -> bool:
        resume = run_job_id(self.rt, mission.id, f"after-{last}")
        latest = last_run_job(self.rt, mission.id)
        revived = self._revived(list(dict.fromkeys(j for j in (latest, resume) if j)))
        if revived is not None:
            return revived
        if not self._stuck(mission.id, f"parked-{last}"):
            return False  # the settlement enqueues the resume a moment after it
        # Parked, yet nothing is left to wait for: the resume after the settlement was never enqueued.
        if enqueue_mission(self.rt, mission.id, reason=f"after-{last}", replace_stale=True):
            return True
        return self._redrive_once(mission, symptom=f"parked-{last}")

    def _redrive_once(self, mission: Mission, *, symptom: str) -> bool:
        if not self._stuck(mission.id, symptom):
            return False
        once = self.rt.store.key("recovery", "redriven", mission.id, symptom)
        if not self.rt.redis.set(once, self._stamp(), nx=True, ex=7 * 86_400):
            return False  # re-driven at this very point already: another run would end the same way
        log.warning("re-driving mission %s (%s): no job of it is alive", mission.id, symptom)
        return enqueue_mission(self.rt, mission.id, reason=f"recover-{self._stamp()}")

    # -- time ----------------------------------------------------------------------------
    def _older(self, at: datetime | None) -> bool:
        return at is not None and self.rt.clock() - at >= self.grace

    def _stuck(self, mission_id: str, what: str) -> bool:
        """True once the same symptom has been seen for the grace period (the first sighting starts it)."""
        key = self.rt.store.key("recovery", "seen", mission_id, what)
        now = self.rt.clock()
        # Expires well after the grace period: a symptom seen once, long ago, starts no clock today.
        self.rt.redis.set(key, now.isoformat(), nx=True, ex=int(self.stuck_after.total_seconds()) * 3 + 300)
        first = datetime.fromisoformat((self.rt.redis.get(key) or b"").decode() or now.isoformat())
        return now - first >= self.stuck_after

    def _stamp(self) -> str:
        return str(int(self.rt.clock().timestamp()))
