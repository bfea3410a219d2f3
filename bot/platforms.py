"""Which messengers a process gets, from its settings: console always, Slack/Teams when configured."""

from __future__ import annotations

from redis import Redis

from bot.messenger import Messengers
from bot.settings import Settings
from bot.surfaces.console import ConsoleMessenger


def default_messengers(*, settings: Settings, redis: Redis) -> Messengers:
    messengers = Messengers(ConsoleMessenger(redis=redis, prefix=settings.key_prefix))
    return messengers
