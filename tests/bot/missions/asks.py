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
