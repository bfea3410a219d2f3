"""Action jobs: execute an approved proposal once, keep every copy of its card current."""

from __future__ import annotations

from typing import Any

from rq import get_current_job

from bot import app
from bot.missions.execution import Executor
from bot.missions.notify import Notifier


def execute_proposal(proposal_id: str) -> str:
    job = get_current_job()
    rt = app.for_job(job.connection if job else None)
    executor = Executor(rt)
    proposal = executor.execute(proposal_id)
    if proposal.settled:  # also on a re-run after a crash: the follow-ups are idempotent
        executor.follow_up(proposal)
    return proposal.status


def sync_cards(proposal_id: str) -> int:
    job = get_current_job()
    rt = app.for_job(job.connection if job else None)
    Notifier(rt).sync_cards(proposal_id, strict=True)  # a failed copy fails the job: RQ retries it
    return len(rt.store.proposal(proposal_id).cards)


def on_execution_failure(job: Any, connection: Any, exc_type: type, exc: BaseException, tb: Any) -> None:
    if job.retries_left:
        return
    executor = Executor(app.for_job(connection))
    executor.follow_up(
        executor.fail(job.args[0], error=f"internal error ({exc_type.__name__}) after retries")
    )
