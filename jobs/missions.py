"""Mission jobs: module-level, take ids, safe to run twice."""

from __future__ import annotations

import logging
from typing import Any

from rq import get_current_job

from bot import app
from bot.missions.runner import MissionRunner

log = logging.getLogger(__name__)


def run_mission(mission_id: str) -> str:
    job = get_current_job()
    outcome = MissionRunner(app.for_job(job.connection if job else None)).run(mission_id)
    log.debug("mission %s ran: %s", mission_id, outcome)
    return outcome


def on_mission_failure(job: Any, connection: Any, exc_type: type, exc: BaseException, tb: Any) -> None:
    """Called by RQ on each failure; only the last one (no retries left) closes the mission."""
    if job.retries_left:
        return
    rt = app.for_job(connection)
    mission_id = job.args[0]
    log.error("mission %s failed for good: %s", mission_id, exc_type.__name__)
    mission = rt.store.mission(mission_id)
    MissionRunner(rt).close(
        mission,
        status="failed",
        text=f"*Verdict ({mission_id}): Failed.* An internal error stopped this mission "
        f"({exc_type.__name__}); nothing further will run. The error is in the worker's "
        f"log under this mission id, for operators.",
    )
