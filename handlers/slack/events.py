"""Mentions and DMs become missions; the requester's replies in a mission's thread become its context.

Each listener acks first; the core call and the Slack answers run after the ack, in the background.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import tasks_for
from bot.errors import MissionbotError, NotAuthorized
from bot.models import MessageRef, Request
from bot.runtime import Runtime
from bot.service import MissionService, Submitted
from handlers.slack.reply import core, ephemeral, plain_text, post

log = logging.getLogger(__name__)
ACK_TIMEOUT = 30.0  # seconds for the "queued" reply (429 retries included); the mission runs regardless


def _from_a_person(event: dict[str, Any]) -> bool:
    """Bots (ourselves included) and edits/joins/deletions are not requests."""
    return bool(event.get("user")) and not event.get("bot_id") and event.get("subtype") is None


def register(app: AsyncApp, *, service: MissionService, rt: Runtime) -> None:
    tasks = tasks_for(app)

    async def request(client: AsyncWebClient, event: dict[str, Any], bot_user_id: str | None) -> None:
        channel, user = event["channel"], event["user"]
        thread = event.get("thread_ts") or event["ts"]
        text = plain_text(event.get("text") or "", bot_user_id=bot_user_id)
        if event.get("thread_ts") and await core(rt.store.mission_for_thread, "slack", channel, thread):
            await follow_up(client, event, text)  # a mention inside a mission's thread adds to it
            return
        loop = asyncio.get_running_loop()

        def post_ack(submitted: Submitted) -> MessageRef | None:
            # Runs in the core's thread: the mission is enqueued only once this reply exists, so the
            # status message is there before any worker can update it.
            ts = asyncio.run_coroutine_threadsafe(
                post(client, channel=channel, thread=thread, text=submitted.text), loop).result(ACK_TIMEOUT)
            return MessageRef(platform="slack", conversation=channel, ts=ts, thread=thread) if ts else None

        await core(service.submit, Request(platform="slack", conversation=channel, thread=thread, requester=user,
                                           text=text), post_ack=post_ack)

    async def follow_up(client: AsyncWebClient, event: dict[str, Any], text: str) -> None:
        channel, user = event["channel"], event["user"]
        mission_id = await core(rt.store.mission_for_thread, "slack", channel, event["thread_ts"])
        if mission_id is None:
            return
        try:
            await core(service.add_context, mission_id, user=user, text=text)
        except NotAuthorized:
            return  # colleagues talking in the thread are not addressing the bot
        except MissionbotError as err:
            await ephemeral(client, channel=channel, user=user, text=str(err))
            return
        await ephemeral(client, channel=channel, user=user, text=f"📝 Added to {mission_id} as context.")

    @app.event("app_mention")
    async def on_mention(ack, event: dict[str, Any], client: AsyncWebClient, context) -> None:  # noqa: ANN001
        await ack()
        if _from_a_person(event):
            tasks.spawn(request(client, event, context.bot_user_id), name="slack-mention")

    @app.event("message")
    async def on_message(ack, event: dict[str, Any], client: AsyncWebClient, context) -> None:  # noqa: ANN001
        await ack()
        if not _from_a_person(event):
            return
        bot = context.bot_user_id
        if event.get("channel_type") == "im":
            tasks.spawn(request(client, event, bot), name="slack-dm")
        elif event.get("thread_ts") and event["thread_ts"] != event["ts"]:
            if bot and f"<@{bot}>" in (event.get("text") or ""):
                return  # the app_mention delivery of this same message handles it
            text = plain_text(event.get("text") or "", bot_user_id=bot)
            tasks.spawn(follow_up(client, event, text), name="slack-thread-reply")
