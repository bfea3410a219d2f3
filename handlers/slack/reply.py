"""How listeners answer on Slack: the core's text made safe for mrkdwn, split to Slack's limits."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from bot.platforms.slack.blockkit import split_text
from bot.platforms.slack.messenger import slack_text

T = TypeVar("T")
_SLACK_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def plain_text(slack: str, *, bot_user_id: str | None = None) -> str:
    """A message's text for the core: the bot's mention removed, Slack's entities decoded."""
    if bot_user_id:
        slack = slack.replace(f"<@{bot_user_id}>", " ")
    else:  # no auth.test yet: drop a leading mention, which is how app_mention text starts
        slack = re.sub(r"^\s*<@[UW][A-Z0-9]+>", " ", slack)
    for entity, raw in _SLACK_ENTITIES:
        slack = slack.replace(entity, raw)
    return slack.strip()


async def core(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a (synchronous, Redis-bound) core call off the event loop."""
    return await asyncio.to_thread(call, *args, **kwargs)


async def post(client: AsyncWebClient, *, channel: str, thread: str | None, text: str) -> str:
    """Post the core's text in a thread, in as many messages as it needs; returns the first ts."""
    first = ""
    for chunk in split_text(slack_text(text)):
        answer = await client.chat_postMessage(
            channel=channel, thread_ts=thread, text=chunk, unfurl_links=False, unfurl_media=False
        )
        first = first or answer["ts"]
    return first


async def ephemeral(client: AsyncWebClient, *, channel: str | None, user: str, text: str) -> None:
    """Only `user` sees it; outside a channel (App Home) it goes to their DM with the app."""
    chunks = split_text(slack_text(text))
    for chunk in chunks:
        if channel:
            await client.chat_postEphemeral(channel=channel, user=user, text=chunk)
        else:
            await client.chat_postMessage(channel=user, text=chunk, unfurl_links=False, unfurl_media=False)
