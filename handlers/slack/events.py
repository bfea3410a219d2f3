"""Mentions and DMs become missions; the requester's replies in a mission's thread become its context.

A new request is put in the inbox before the ack (one round trip: bot/core/inbox.py), so it is durable
when Slack hears "200"; the mission itself is created after the ack, with the "queued" reply and
`launch` (bot/missions/intake.py). A failure before the ack is a 500 (bolt's error handler,
bot/platforms/slack/app.py, forgets the event_id) so Slack's retry is processed; a crash after it leaves
the entry in the inbox, and serve's handling process or the recovery sweep handles it. Follow-ups in a
mission's thread are added before the ack, as before.
"""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import MissionbotError, NotAuthorized
from bot.core.inbox import Entry, Inbox
from bot.core.models import Request
from bot.core.runtime import Runtime
from bot.missions.intake import REQUEST, Intake, ReplyInFlight, request_fields
from bot.missions.service import MissionService
from bot.platforms.slack.app import INBOX_DEDUPE, from_a_person
from bot.platforms.slack.background import tasks_for
from handlers.slack.reply import core, ephemeral, plain_text

log = logging.getLogger(__name__)
After = Coroutine[Any, Any, None]  # what runs after the ack


def register(
    app: AsyncApp, *, service: MissionService, rt: Runtime, inbox: Inbox, handle_here: bool = True
) -> None:
    """`handle_here`: the mission is made by this process after the ack (in-process handling), else by
    serve's handling process, which reads the inbox (bot/missions/inbox_consumer.py)."""
    tasks, intake = tasks_for(app), Intake(service)

    async def request(client: AsyncWebClient, event: dict[str, Any], context) -> After | None:
        """Before the ack: the request in the inbox (or the follow-up added to its mission). Its dedupe
        mark, when the middleware left it to the append (`INBOX_DEDUPE`), is set in the same round trip."""
        bot_user_id = context.bot_user_id
        channel, user = event["channel"], event["user"]
        thread = event.get("thread_ts") or event["ts"]
        text = plain_text(event.get("text") or "", bot_user_id=bot_user_id)
        mission_id = await thread_mission(event)
        if mission_id is not None:
            return await follow_up(
                client, event, text, mission_id
            )  # a mention in a mission's thread adds to it
        asked = Request(platform="slack", conversation=channel, thread=thread, requester=user, text=text)
        entry = await inbox.append(
            REQUEST, request_fields(asked), deliver=handle_here, once=context.get(INBOX_DEDUPE)
        )
        if entry is None:
            log.info("duplicate Slack event %s acknowledged and dropped", event.get("event_ts"))
            return None
        return handle(entry) if handle_here else None

    async def handle(entry: Entry) -> None:
        """After the ack: the mission, its "queued" reply and its launch (bot/missions/intake.py), in a
        thread beside the loop that acks; then the entry leaves the inbox."""
        try:
            await core(intake.handle_request, entry)
        except ReplyInFlight:
            return  # the recovery sweep took the entry meanwhile: it replies and acks it
        await inbox.done(entry)

    async def thread_mission(event: dict[str, Any]) -> str | None:
        if not event.get("thread_ts"):
            return None
        return await core(rt.store.mission_for_thread, "slack", event["channel"], event["thread_ts"])

    async def follow_up(
        client: AsyncWebClient, event: dict[str, Any], text: str, mission_id: str
    ) -> After | None:
        channel, user = event["channel"], event["user"]
        try:
            await core(service.add_context, mission_id, user=user, text=text)
        except NotAuthorized:
            return None  # colleagues talking in the thread are not addressing the bot
        except MissionbotError as err:
            return ephemeral(client, channel=channel, user=user, text=str(err))
        return ephemeral(client, channel=channel, user=user, text=f"📝 Added to {mission_id} as context.")

    def then(after: After | None, name: str) -> None:
        if after is not None:
            tasks.spawn(after, name=name, queued=True)

    @app.event("app_mention")
    async def on_mention(ack, event: dict[str, Any], client: AsyncWebClient, context) -> None:
        after = await request(client, event, context) if from_a_person(event) else None
        await ack()
        then(after, "slack-mention")

    @app.event("subteam_members_changed")
    async def on_subteam_members_changed(ack, event: dict[str, Any]) -> None:
        """An approver group changed: refetch its members after the ack (bot/core/groups.py)."""
        await ack()
        if isinstance(usergroup := event.get("subteam_id"), str) and usergroup:
            tasks.spawn(core(rt.groups.refresh, usergroup), name="slack-usergroup", queued=True)

    @app.event("message")
    async def on_message(ack, event: dict[str, Any], client: AsyncWebClient, context) -> None:
        bot, after = context.bot_user_id, None
        text = event.get("text") or ""
        # A thread reply that mentions the bot is handled by the app_mention delivery of the same message.
        reply = bool(event.get("thread_ts")) and event.get("thread_ts") != event.get("ts")
        if not from_a_person(event):
            pass
        elif event.get("channel_type") == "im":
            after = await request(client, event, context)
        elif reply and not (bot and f"<@{bot}>" in text) and (mission_id := await thread_mission(event)):
            after = await follow_up(client, event, plain_text(text, bot_user_id=bot), mission_id)
        await ack()
        then(after, "slack-message")
