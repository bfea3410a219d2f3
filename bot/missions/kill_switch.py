"""The kill switch's effect, once the owner has pulled it: the guarantee-5 sweep over a worker's work."""

from __future__ import annotations

from rq.exceptions import NoSuchJobError
from rq.job import Job

from bot.core.errors import NotFound
from bot.core.models import Proposal
from bot.core.queueing import enqueue_card_sync, enqueue_mission, mission_job_id
from bot.core.runtime import Runtime
from bot.missions.runner import MissionRunner


def halt_worker(rt: Runtime, worker: str, *, actor: str) -> None:
    """Queued missions are cancelled, running or parked ones stop at their next run, pending proposals
    are halted (and their cards flipped). Tool calls check the switch themselves (bot/missions/session.py)."""
    stamp = str(int(rt.clock().timestamp()))
    for mission_id in rt.store.open_missions(worker):
        mission = rt.store.mission(mission_id)
        if mission.status == "queued":
            _cancel_job(rt, mission_job_id(rt, mission_id))
            MissionRunner(rt).close(
                mission,
                status="cancelled",
                text=f"🛑 Mission {mission_id} was cancelled: the owner pulled {worker}'s kill switch.",
            )
        else:  # running or parked: its next run sees the switch and stops
            enqueue_mission(rt, mission_id, reason=f"kill-{stamp}")
    for proposal in rt.store.pending_proposals():
        if proposal.worker == worker:
            _halt(rt, proposal.id, actor=actor)


def _cancel_job(rt: Runtime, job_id: str) -> None:
    try:
        job = Job.fetch(job_id, connection=rt.redis)
    except NoSuchJobError:
        return
    if job.get_status() == "queued":
        job.cancel()


def _halt(rt: Runtime, proposal_id: str, *, actor: str) -> None:
    was: list[str] = []

    def halt(p: Proposal) -> Proposal:
        was[:] = [p.status]
        return p.model_copy(update={"status": "halted"}) if p.status in {"pending", "approved"} else p

    try:
        halted = rt.store.mutate_proposal(proposal_id, halt)
    except NotFound:
        return
    if was[0] in {"pending", "approved"}:
        rt.audit.record(
            "proposal.halted",
            actor=actor,
            worker=halted.worker,
            mission=halted.mission_id,
            proposal=proposal_id,
            was=was[0],
        )
    enqueue_card_sync(rt, proposal_id, reason="halted")
