"""The kill switch (guarantee 5), in one place: the owner pulls and releases it, pulling sweeps the worker's
work, and every step that could act asks `is_halted` or `refuse_if_halted` here first: the runner before a
run, the session before each tool call, the executor when it claims an approved proposal, and a decision
before it is recorded. (The gate refuses too, bot/core/policy/tool_gate.py: a second lock, not the check.)
"""

from __future__ import annotations

from rq.exceptions import NoSuchJobError
from rq.job import Job

from bot.core.defang import ProductText, trusted
from bot.core.errors import Halted, NotFound
from bot.core.models import Control, Proposal
from bot.core.queueing import enqueue_card_sync, enqueue_mission, mission_job_id
from bot.core.runtime import Runtime
from bot.missions import closing, controls

HALTED_BY_OWNER = "was halted by its owner"


def is_halted(rt: Runtime, worker: str, *, control: Control | None = None) -> bool:
    """Read the switch through `rt.control`: inside a store transaction the read is WATCHed, so a kill
    landing before that transaction commits aborts it and its retry sees the switch. `control`: the one
    the caller has just read with the mission (bot/core/store.py `mission_and_control`)."""
    return (control if control is not None else rt.control(worker)).killed


def refuse_if_halted(
    rt: Runtime, worker: str, *, control: Control | None = None, because: str = HALTED_BY_OWNER
) -> None:
    """Raise Halted("<display name> <because>") when the switch is pulled. `control`: one the caller has
    just read (the session also hands it to the gate), so both see the same switch."""
    control = control if control is not None else rt.control(worker)
    if control.killed:
        by = f" (kill switch pulled by @{control.changed_by})" if control.changed_by else ""
        raise Halted(f"{rt.worker(worker).display_name} {because}{by}")


def halted_verdict(rt: Runtime, worker: str) -> ProductText:
    """What a halted mission's thread is told: who pulled the switch (not "the system"), nothing more runs."""
    control = rt.control(worker)
    by = f" @{control.changed_by}" if control.changed_by else ""
    return trusted(f"🛑 {rt.worker(worker).display_name} was halted by its owner{by}; nothing more will run.")


def pull(rt: Runtime, worker: str, *, actor: str) -> Control:
    """Owner only. From now: no tool call starts, queued missions are cancelled, pending proposals halt."""
    controls.authorize(rt, worker, actor=actor)
    control = controls.change(rt, worker, actor=actor, killed=True)
    sweep(rt, worker, actor=actor)
    return control


def release(rt: Runtime, worker: str, *, actor: str) -> Control:
    """Owner only. New missions start again; what the pull halted stays halted."""
    controls.authorize(rt, worker, actor=actor)
    return controls.change(rt, worker, actor=actor, killed=False)


def sweep(rt: Runtime, worker: str, *, actor: str) -> None:
    """Queued missions are cancelled, running or parked ones stop at their next run, pending proposals
    are halted (and their cards flipped). Tool calls check the switch themselves (`refuse_if_halted`)."""
    stamp = str(int(rt.clock().timestamp()))
    for mission_id in rt.store.open_missions(worker):
        mission = rt.store.mission(mission_id)
        if mission.status == "queued":
            _cancel_job(rt, mission_job_id(rt, mission_id))
            display = rt.worker(worker).display_name
            closing.close(
                rt,
                mission,
                status="cancelled",
                text=trusted(
                    f"🛑 Mission {mission_id} was cancelled: @{actor} pulled {display}'s kill switch."
                ),
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
        if p.status not in {"pending", "approved"}:
            return p
        return p.model_copy(update={"status": "halted", "halted_by": actor})  # the card and verdict name them

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
