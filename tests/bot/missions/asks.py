"""Requests from the console, as the mission tests send them, and what the demo helpdesk credited."""

from __future__ import annotations

from bot.core.models import Request
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService


def ask(rt, text: str, *, user: str = "U0AGENT", channel: str = "C0SUPPORT"):
    return MissionService(rt).submit(
        Request(platform="console", conversation=channel, requester=user, text=text)
    )


def credits(rt) -> list[dict]:
    return HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()


def parked(rt, run_jobs, text: str = "ESC-1042", *, user: str = "U0AGENT") -> str:
    """The id of the proposal a console mission parked on (assisted: it waits for an approver)."""
    mission = ask(rt, text, user=user).mission
    run_jobs()
    return rt.store.mission(mission.id).proposals[0]


def approved(rt, proposal_id: str, *, by: str = "U0OWNER1") -> None:
    """Mark the proposal approved as `decide` would, without enqueueing its execution."""
    rt.store.mutate_proposal(
        proposal_id,
        lambda p: p.model_copy(update={"status": "approved", "decided_by": by, "decided_at": rt.clock()}),
    )
