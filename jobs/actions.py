"""Action jobs: execute an approved proposal once, keep every copy of its card current."""

from __future__ import annotations

from typing import Any

from rq import get_current_job

from bot import app
from bot.core.queueing import enqueue_mission
from bot.missions.execution import Executor
from bot.missions.notify import Notifier


def execute_proposal(proposal_id: str) -> str:
    job = get_current_job()
    rt = app.for_job(job.connection if job else None)
    proposal = Executor(rt).execute(proposal_id)
    if proposal.settled:
        enqueue_mission(rt, proposal.mission_id, reason=f"after-{proposal_id}")
    return proposal.status


def sync_cards(proposal_id: str) -> int:
    job = get_current_job()
    rt = app.for_job(job.connection if job else None)
    Notifier(rt).sync_cards(proposal_id, strict=True)  # a failed copy fails the job: RQ retries it
    return len(rt.store.proposal(proposal_id).cards)


def on_execution_failure(job: Any, connection: Any, exc_type: type, exc: BaseException, tb: Any) -> None:
    if job.retries_left:
        return
    rt = app.for_job(connection)
    Executor(rt).fail(job.args[0], error=f"internal error ({exc_type.__name__}) after retries")
    enqueue_mission(rt, rt.store.proposal(job.args[0]).mission_id, reason=f"after-{job.args[0]}")
