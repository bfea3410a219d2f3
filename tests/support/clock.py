"""A clock tests move by hand, and a runtime built on it (installed for RQ jobs like the `rt` fixture)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import app
from bot.core import runtime
from bot.demo.helpdesk import HelpdeskBackend


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def clocked_runtime(settings, redis, clock: Clock) -> runtime.Runtime:
    instance = app.create_runtime(settings=settings, redis=redis, clock=clock)
    HelpdeskBackend(redis=redis, prefix=settings.key_prefix, clock=clock).seed()
    app.install(instance)
    return instance
