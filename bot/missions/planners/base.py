"""The Planner interface: advance a mission until it parks on a proposal or finishes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.missions.session import Session


@dataclass(frozen=True)
class Parked:
    """Waiting on a human decision; the mission resumes when its proposals settle."""

    save: dict[str, Any] | None = (
        None  # progress (as `Session.save` takes it), saved with the park: one write
    )


@dataclass(frozen=True)
class Finished:
    verdict: str | None = None  # the planner's own words, if any; the runner adds the facts
    failed: bool = False


class Planner(Protocol):
    def advance(self, session: Session) -> Parked | Finished: ...
