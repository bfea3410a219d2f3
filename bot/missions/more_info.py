"""The "needs more information" loop: a rejection with an ask-for-more reason code parks the mission,
the requester is asked in its thread, and their reply resumes it so the planner proposes again.

States: `awaiting_approval` -(rejected with a more-info code)-> `awaiting_info` -(requester replies)->
`running` (attempt + 1) -> the planner re-proposes. Every transition is one conditional change of the
mission (WATCH/MULTI), so a retried run, two replies at once or a reply racing the expiry act once.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.config.models import WorkerConfig
from bot.core.defang import product, trusted
from bot.core.models import Mission, Proposal
from bot.core.queueing import enqueue_mission
from bot.core.runtime import Runtime
from bot.core.worktime import working_minutes
from bot.missions import closing, verdict
from bot.missions.notify import Notifier

WAITING = "awaiting_info"
ACTOR = "system:more-info"


def attempt(mission: Mission) -> int:
    """1 until the requester has answered a request for more information, then 2, 3…"""
    return int(mission.state.get("attempt", 1))


def question_for(rt: Runtime, mission: Mission) -> Proposal | None:
    """The latest proposal, if it was rejected for more information and the requester was not yet asked."""
    codes = rt.worker(mission.worker).escalation.more_info_codes
    ids = [pid for pid in mission.proposals if not pid.endswith("-undo")]
    if not ids or not codes:
        return None
    latest = rt.store.proposal(ids[-1])
    if latest.undo_of or latest.status != "rejected" or latest.reason_code not in codes:
        return None
    return None if latest.id in mission.state.get("info_asked", []) else latest


def ask(rt: Runtime, mission: Mission, proposal: Proposal) -> str:
    """Park a running mission until the requester says more; asks them once, quoting the approver."""
    won = False

    def park(m: Mission) -> Mission:
        nonlocal won  # set per try: WATCH/MULTI may call this again after a conflict
        won = m.status == "running" and proposal.id not in m.state.get("info_asked", [])
        if not won:
            return m
        state = {
            **m.state,
            "info_asked": [*m.state.get("info_asked", []), proposal.id],
            "info_since": rt.clock().isoformat(),
        }
        return m.model_copy(update={"status": WAITING, "state": state})

    parked = rt.store.mutate_mission(mission.id, park)
    if not won:
        return parked.status
    rt.audit.record(
        "mission.awaiting_info",
        actor=ACTOR,
        worker=parked.worker,
        mission=parked.id,
        proposal=proposal.id,
        reason_code=proposal.reason_code,
        comment=proposal.comment,
        asked=parked.requester,
    )
    quote = "\n".join(f"> {line}" for line in (proposal.comment or "").splitlines()) or "> (no comment given)"
    notify = Notifier(rt)
    notify.observe(
        parked,
        f"info-{proposal.id}",
        product(
            f"❓ @{parked.requester}, @{proposal.decided_by} needs more information before deciding on "
            f"{proposal.tool}:\n{{quote}}\nReply in this thread with what is missing and I will propose it "
            "again with your answer.",
            quote=quote,
        ),
    )  # the product's mentions stay; the approver's words are inert
    notify.status(
        parked,
        trusted(
            f"❓ {rt.worker(parked.worker).display_name} · mission {parked.id}: waiting for more information "
            f"from @{parked.requester}"
        ),
    )
    return parked.status


def resume(rt: Runtime, mission_id: str, *, user: str, text: str) -> Mission:
    """Add the requester's answer; a mission waiting for it runs again as its next attempt."""
    resumed = False

    def add(m: Mission) -> Mission:
        nonlocal resumed
        resumed = m.status == WAITING
        update: dict[str, object] = {"context": [*m.context, text]}
        if resumed:
            update |= {"status": "running", "state": {**m.state, "attempt": attempt(m) + 1}}
        return m.model_copy(update=update)

    updated = rt.store.mutate_mission(mission_id, add)
    rt.audit.record("mission.context_added", actor=user, worker=updated.worker, mission=mission_id, text=text)
    if resumed:
        rt.audit.record(
            "mission.resumed_with_info",
            actor=user,
            worker=updated.worker,
            mission=mission_id,
            attempt=attempt(updated),
        )
        Notifier(rt).status(
            updated,
            trusted(
                f"▶️ {rt.worker(updated.worker).display_name} · mission {updated.id}: resuming with "
                f"@{user}'s answer (attempt {attempt(updated)})"
            ),
        )
        enqueue_mission(rt, mission_id, reason=f"info-{attempt(updated)}")
    return updated


def expire_waiting(rt: Runtime) -> list[str]:
    """Close missions that waited for information past `expire_after_minutes`;
    returns those this call closed."""
    closed: list[str] = []
    for worker in rt.workers.values():
        for mission_id in rt.store.open_missions(worker.name):
            mission = rt.store.mission(mission_id)
            if mission.status == WAITING and _overdue(rt, mission, worker) and _expire(rt, mission, worker):
                closed.append(mission_id)
    return closed


def _overdue(rt: Runtime, mission: Mission, worker: WorkerConfig) -> bool:
    since = datetime.fromisoformat(mission.state.get("info_since") or mission.updated_at.isoformat())
    minutes = working_minutes(since, rt.clock(), worker.escalation.working_hours)
    return minutes >= worker.escalation.expire_after_minutes


def _expire(rt: Runtime, mission: Mission, worker: WorkerConfig) -> bool:
    proposals = [rt.store.proposal(p) for p in mission.proposals]
    text = verdict.compose(
        mission,
        proposals,
        refusals=[],
        failed=False,
        redactor=rt.redactor,
        worker=worker,
        planner_text=trusted(
            f"⌛ No answer from @{mission.requester} within {worker.escalation.expire_after_minutes} min; "
            "the mission expired."
        ),
    )
    won = False

    def close(m: Mission) -> Mission:  # only a mission still waiting closes: a reply that landed first wins
        nonlocal won
        won = m.status == WAITING
        return m.model_copy(update={"status": "expired", "verdict": text}) if won else m

    done = rt.store.mutate_mission(mission.id, close)
    if not won:
        return False
    rt.audit.record("mission.expired", actor=ACTOR, worker=done.worker, mission=done.id, verdict=text)
    closing.announce(rt, done, actor=ACTOR)  # the close settled its open proposals (bot/core/lifecycle.py)
    notify = Notifier(rt)
    notify.observe(done, "verdict", text)
    notify.status(done, closing.final_status(rt, done))
    return True
