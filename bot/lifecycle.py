"""A proposal belongs to its mission: the one place that rule lives.

- Closing a mission (any open -> closed change, whoever makes it: the runner's verdict, a failed job, the
  kill switch, an expiry) settles its pending and approved-but-not-started proposals as `closed`, in the
  same Redis transaction as the mission's status (`Store.mutate_mission` calls `settle`).
- Deciding needs the mission open, and so does starting an execution: `blocker` is read by `decide` and
  by the executor's claim inside their WATCH on the mission key, so a close and a decision (or a claim)
  cannot both land.
- The exception, by design, is an undo: a new proposal about an executed action. It survives its
  mission's close and stays decidable while the undo window of the action it reverses is open.
- An `executing` proposal started while its mission was open; it finishes (its idempotency key holds).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.errors import AlreadyDecided
from bot.models import Mission, Proposal

if TYPE_CHECKING:
    from bot.runtime import Runtime

SETTLES_ON_CLOSE = frozenset({"pending", "approved"})
_WHY = {
    "failed": "the mission failed",
    "cancelled": "the mission was cancelled",
    "halted": "the mission was halted",
    "expired": "the mission expired",
    "done": "the mission finished",
}


def why(mission_status: str | None) -> str:
    return _WHY.get(mission_status or "", f"the mission is {mission_status or 'closed'}")


def status_line(mission_status: str | None) -> str:
    """What every copy of a closed proposal's card says."""
    return f"Closed: {why(mission_status)} — nothing will run"


class MissionClosed(AlreadyDecided):
    """The proposal's mission is closed: nothing of it can be decided or started."""

    def __init__(
        self, *, mission_id: str, because: str | None, at: datetime, undo_window: bool = False
    ) -> None:
        reason = "the undo window has passed" if undo_window else why(because)
        super().__init__(status=f"closed ({reason})", by="the system", at=at.strftime("%Y-%m-%d %H:%M UTC"))
        self.args = (
            f"Mission {mission_id} is closed: {reason}; this can no longer be decided and nothing will run.",
        )


def settle(mission: Mission, proposal: Proposal) -> Proposal | None:
    """The proposal as closing `mission` leaves it, or None when the close does not touch it."""
    if proposal.status not in SETTLES_ON_CLOSE or proposal.undo_of is not None:
        return None
    return proposal.model_copy(update={"status": "closed", "closed_because": mission.status})


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
    from bot.undo import undo_deadline  # local: undo imports the notifier, which imports the store

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
    from bot.queueing import enqueue_card_sync  # local: queueing imports the runtime

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
