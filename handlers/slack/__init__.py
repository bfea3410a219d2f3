"""Slack listeners: one module per surface (`events` for messages, `actions` for card buttons, `commands`,
`home`), each with `register(app, *, service, rt)`, and `register` for them all."""

from slack_bolt.async_app import AsyncApp

from bot.core.runtime import Runtime
from bot.missions.service import MissionService
from handlers.slack import actions, commands, events, home, reply

__all__ = ["actions", "commands", "events", "home", "register", "reply"]


def register(app: AsyncApp, *, service: MissionService, rt: Runtime) -> None:
    """Every Slack listener on the bolt app; wired once by the composition root
    (bot/commands/serve_app.py)."""
    for module in (events, actions, commands, home):
        module.register(app, service=service, rt=rt)
