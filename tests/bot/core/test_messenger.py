"""The Messenger protocol and the registry a mission picks its platform's messenger from."""

from __future__ import annotations

import pytest

from bot.core.cards import Card
from bot.core.messenger import Messenger, Messengers
from bot.core.models import MessageRef
from bot.platforms.console.messenger import ConsoleMessenger


class Recorder:
    """The smallest Messenger: what a new platform must offer."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.posts: list[str] = []

    def post(
        self, *, conversation: str, thread: str | None, text: str, card: Card | None = None
    ) -> MessageRef:
        self.posts.append(text)
        return MessageRef(
            platform=self.platform, conversation=conversation, ts=str(len(self.posts)), thread=thread
        )

    def update(self, ref: MessageRef, *, text: str, card: Card | None = None) -> None:
        self.posts.append(f"update {ref.ts}: {text}")

    def ephemeral(self, *, conversation: str, user: str, text: str) -> None:
        self.posts.append(f"to {user}: {text}")


def test_a_mission_talks_through_the_messenger_of_its_own_platform():
    slack, teams = Recorder("slack"), Recorder("teams")
    messengers = Messengers(slack)
    messengers.add(teams)
    assert "teams" in messengers and "console" not in messengers
    ref = messengers.get("teams").post(conversation="C1", thread="T1", text="hello")
    assert ref == MessageRef(platform="teams", conversation="C1", ts="1", thread="T1")
    assert teams.posts == ["hello"] and slack.posts == []


def test_adding_a_messenger_for_a_platform_replaces_the_previous_one():
    first, second = Recorder("slack"), Recorder("slack")
    messengers = Messengers(first)
    messengers.add(second)
    assert messengers.get("slack") is second


def test_an_unknown_platform_is_a_lookup_error_naming_it():
    with pytest.raises(LookupError, match="no messenger for platform 'teams'"):
        Messengers(Recorder("slack")).get("teams")


def test_the_runtimes_console_messenger_fits_the_protocol(rt):
    console: Messenger = rt.messengers.get("console")
    assert isinstance(console, ConsoleMessenger) and console.platform == "console"
    ref = console.post(conversation="C0SUPPORT", thread=None, text="a trace line")
    assert ref.platform == "console" and ref.conversation == "C0SUPPORT"
