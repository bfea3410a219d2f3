"""Who a message is from: the AI worker's own name and icon, as each platform can show it.

Slack posts with `username` and `icon_emoji`/`icon_url` (scope chat:write.customize); Teams puts the name and
icon in the card's header (bot/platforms/teams/identity.py); the console prefixes the name.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.config.models import WorkerConfig


@dataclass(frozen=True)
class Sender:
    name: str
    icon_emoji: str | None = None
    icon_url: str | None = None


def spoken(text: str, name: str | None) -> str:
    """A plain message under the worker's name, where the platform shows only the bot's, unless the text
    names the worker already ("⏳ Support Triage: gathering 1/3")."""
    return f"{name}: {text}" if name and name not in text else text


def sender_for(worker: WorkerConfig) -> Sender:
    return Sender(
        name=worker.display_name, icon_emoji=worker.identity.icon_emoji, icon_url=worker.identity.icon_url
    )
