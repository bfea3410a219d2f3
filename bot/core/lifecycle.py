"""A proposal belongs to its mission: the one place that rule lives.

- Closing a mission (any open -> closed change, whoever makes it: the runner's verdict, a failed job, the
  kill switch, an expiry) settles its pending and approved-but-not-started proposals as `closed`, in the
  same Redis transaction as the mission's status (`Store.mutate_mission` calls `settle`).
- Deciding needs the mission open, and so does starting an execution: `blocker` is read by `decide` and
  by the executor's claim inside their WATCH on the mission key, so a close and a decision (or a claim)
  cannot both land (`bot/missions/closing.py`, with the follow-ups of a close).
- The exception, by design, is an undo: a new proposal about an executed action. It survives its
  mission's close and stays decidable while the undo window of the action it reverses is open.
- An `executing` proposal started while its mission was open; it finishes (its idempotency key holds).
"""

from __future__ import annotations

from datetime import datetime

from bot.core.errors import AlreadyDecided
from bot.core.models import Mission, Proposal

SETTLES_ON_CLOSE = frozenset({"pending", "approved"})
_WHY = {
    "failed": "the mission failed",
    "cancelled": "the mission was cancelled",
    "withdrawn": "cancelled by the requester",
    "halted": "the mission was halted",
    "expired": "the mission expired",
    "done": "the mission finished",
}


def why(mission_status: str | None) -> str:
    return _WHY.get(mission_status or "", f"the mission is {mission_status or 'closed'}")


def status_line(mission_status: str | None) -> str:
    """What every copy of a closed proposal's card says."""
    if mission_status == "withdrawn":
        return "Cancelled by the requester — nothing will run"
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
