"""Slack listeners: one module per surface (`events` for messages, `actions` for card buttons, `commands`,
`home`; `cancel` for the status message's button), each with `register(app, *, service, rt)`, and
`register` for them all."""

from slack_bolt.async_app import AsyncApp

from bot.core.inbox import Inbox
from bot.core.runtime import Runtime
from bot.missions.service import MissionService
from handlers.slack import actions, cancel, commands, events, home, home_batch, reply

__all__ = ["actions", "cancel", "commands", "events", "home", "home_batch", "register", "reply"]


def register(
    app: AsyncApp, *, service: MissionService, rt: Runtime, inbox: Inbox, handle_here: bool = True
) -> None:
    """Every Slack listener on the bolt app; wired once by the composition root (bot/commands/serve_app.py).
    `inbox`: where requests and Approve clicks are made durable before the ack (bot/core/inbox.py);
    `handle_here`: handled by this process after the ack, else left for serve's handling process."""
    for module in (events, actions):
        module.register(app, service=service, rt=rt, inbox=inbox, handle_here=handle_here)
    for module in (cancel, commands, home, home_batch):
        module.register(app, service=service, rt=rt)
