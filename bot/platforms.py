"""Which messengers a process gets, from its settings: console always, Slack/Teams when configured."""

from __future__ import annotations

from datetime import UTC, datetime

from redis import Redis

from bot.messenger import Messengers
from bot.settings import Settings
from bot.surfaces.console import ConsoleMessenger
from bot.surfaces.slack import SlackMessenger, slack_client


def default_messengers(*, settings: Settings, redis: Redis) -> Messengers:
    messengers = Messengers(ConsoleMessenger(redis=redis, prefix=settings.key_prefix))
    if settings.slack_bot_token is not None:
        messengers.add(SlackMessenger(client=slack_client(settings)))
    if settings.microsoft_app_id or settings.teams_enabled:
        from bot.audit import Audit
        from bot.audit_keys import AuditKeys
        from bot.store import Store
        from bot.surfaces.teams import TeamsMessenger  # botbuilder loads only where Teams is used

        prefix = settings.key_prefix
        messengers.add(TeamsMessenger(store=Store(redis=redis, prefix=prefix), settings=settings,
                                      audit=Audit(redis=redis, prefix=prefix, clock=lambda: datetime.now(UTC),
                                                  keys=AuditKeys.from_settings(settings))))
    return messengers
