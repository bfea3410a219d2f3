"""The one small interface every platform backend implements, and the registry jobs pick from."""

from __future__ import annotations

from typing import Protocol

from bot.core.cards import Card
from bot.core.models import MessageRef
from bot.core.sender import Sender


class Messenger(Protocol):
    platform: str

    def post(
        self, *, conversation: str, thread: str | None, text: str, card: Card | None = None
    ) -> MessageRef:
        """Post a message (a trace line, a status, a card); returns where it landed."""
        ...

    def update(self, ref: MessageRef, *, text: str, card: Card | None = None) -> None:
        """Replace a message in place (status line, decided card)."""
        ...

    def ephemeral(self, *, conversation: str, user: str, text: str) -> None:
        """A message only `user` sees."""
        ...

    def permalink(self, *, conversation: str, message: str) -> str | None:
        """A URL a person opens to see `message` (a thread's root) in `conversation`; None where the
        platform has none. Platform URLs live with the platform, never in the mission loop."""
        ...


class Messengers:
    """Platform name -> Messenger; a mission talks through the messenger of its own platform."""

    def __init__(self, *messengers: Messenger) -> None:
        self._by_platform = {m.platform: m for m in messengers}

    def add(self, messenger: Messenger) -> None:
        self._by_platform[messenger.platform] = messenger

    def get(self, platform: str, *, sender: Sender | None = None) -> Messenger:
        """`sender`: the AI worker speaking; a messenger that can show its name and icon offers
        `as_sender(sender)` (a copy that posts as the worker), the others post as the bot."""
        try:
            found = self._by_platform[platform]
        except KeyError:
            raise LookupError(f"no messenger for platform {platform!r}") from None
        # Declared by the messenger's class: a wrapper that forwards attributes (a proxy) posts itself.
        speaking = getattr(type(found), "as_sender", None)
        return speaking(found, sender) if sender is not None and speaking is not None else found

    def __contains__(self, platform: str) -> bool:
        return platform in self._by_platform

    def permalink(self, platform: str, *, conversation: str, message: str) -> str | None:
        """`platform`'s link to the message; None also when this process has no messenger for it."""
        if platform not in self._by_platform:
            return None
        return self._by_platform[platform].permalink(conversation=conversation, message=message)
