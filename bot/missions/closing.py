"""Closing a mission, with the runtime: the close itself, what blocks a decision or an execution, settling
an orphaned proposal, and the follow-ups of a close (audit, card sync). The rule: `bot/core/lifecycle.py`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.core.lifecycle import SETTLES_ON_CLOSE, MissionClosed, settle
from bot.core.messages import outcome, status_line
from bot.core.models import Mission, Proposal
from bot.core.queueing import enqueue_card_sync
from bot.core.runtime import Runtime
from bot.missions.notify import Notifier
from bot.missions.undo import undo_deadline


def close(rt: Runtime, mission: Mission, *, status: str, text: str) -> str:
    """Close once: a second close (retry, race with the kill switch) changes nothing. The same atomic
    step settles the mission's pending proposals (bot/core/lifecycle.py); their cards then say why."""
    closed = rt.store.mutate_mission(
        mission.id, lambda m: m.model_copy(update={"status": status, "verdict": text}) if m.is_open else m
    )
    if closed.verdict != text:
        return closed.status
    rt.audit.record(
        f"mission.{status}",
        actor=f"worker:{closed.worker}",
        worker=closed.worker,
        mission=closed.id,
        verdict=text,
    )
    announce(rt, closed, actor=f"worker:{closed.worker}")  # the proposals the close settled
    notify = Notifier(rt)
    notify.observe(closed, "verdict", text)
    notify.status(closed, final_status(rt, closed))
    return closed.status


def final_status(rt: Runtime, mission: Mission) -> str:
    """The thread's status line once closed: display name, mission id, the outcome's own icon."""
    statuses = [rt.store.proposal(pid).status for pid in mission.proposals]
    display = rt.worker(mission.worker).display_name
    return status_line(display, mission.id, outcome(mission.status, statuses))


def settle_if_closed(rt: Runtime, proposal: Proposal) -> Proposal | None:
    """`settle` when the proposal's mission is closed (read it under a WATCH on the mission key), else None.
    An undo is never settled here: it was decided within its window, and its execution follows."""
    mission = rt.store.mission(proposal.mission_id)
    return None if mission.is_open else settle(mission, proposal)


def blocker(rt: Runtime, proposal: Proposal, *, now: datetime) -> MissionClosed | None:
    """Why `proposal` can no longer be decided or started, or None when it still can. Call it inside a
    WATCH on the mission key (`Store.mutate_proposal(..., mission=...)`) for the answer to be atomic."""
    if proposal.status == "closed":
        return MissionClosed(mission_id=proposal.mission_id, because=proposal.closed_because, at=now)
    if proposal.status not in SETTLES_ON_CLOSE:
        return None  # settled or executing: its own status says what happened
    mission = rt.store.mission(proposal.mission_id)
    if mission.is_open:
        return None
    if proposal.undo_of is None:
        return MissionClosed(mission_id=mission.id, because=mission.status, at=now)
    deadline = undo_deadline(rt, proposal)
    if deadline is not None and now > deadline:
        return MissionClosed(mission_id=mission.id, because=mission.status, at=now, undo_window=True)
    return None


def close_orphan(rt: Runtime, proposal_id: str, *, actor: str) -> bool:
    """Settle one proposal whose mission closed without it (created a moment before a crash closed the
    mission, or stored before this rule existed). True when this call settled it."""
    changed: list[Proposal] = []

    def close(p: Proposal) -> Proposal:
        changed.clear()
        settled = settle_if_closed(rt, p)
        if settled is not None:
            changed.append(settled)
        return settled or p

    proposal = rt.store.proposal(proposal_id)
    rt.store.mutate_proposal(proposal_id, close, mission=proposal.mission_id)
    if changed:
        announce(rt, rt.store.mission(proposal.mission_id), actor=actor, proposals=[proposal_id])
    return bool(changed)


def announce(
    rt: Runtime, mission: Mission, *, actor: str, proposals: Iterable[str] | None = None
) -> list[str]:
    """The follow-ups of a close: audit each proposal it settled and flip its cards (a job RQ retries).
    Once per proposal (a done-marker written after the event: a crash repeats it, never loses it)."""
    announced: list[str] = []
    for pid in mission.proposals if proposals is None else proposals:
        marker = f"closed-{pid}"
        proposal = rt.store.proposal(pid)
        if proposal.status != "closed" or rt.store.done(mission.id, marker):
            continue
        rt.audit.record(
            "proposal.closed",
            actor=actor,
            worker=proposal.worker,
            mission=mission.id,
            proposal=pid,
            tool=proposal.tool,
            because=proposal.closed_because,
        )
        rt.store.mark_done(mission.id, marker)
        enqueue_card_sync(rt, pid, reason="closed")
        announced.append(pid)
    return announced
