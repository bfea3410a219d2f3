"""The Cancel button on a mission's status message: the requester withdraws their waiting mission
(bot/missions/requesters.py decides who may; anyone else is told why, ephemerally). The status message and
the mission's cards are updated by the close's own follow-ups."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import MissionbotError
from bot.core.runtime import Runtime
from bot.missions import requesters
from bot.missions.service import MissionService
from bot.platforms.slack.background import tasks_for
from bot.platforms.slack.status import ACTION_CANCEL
from handlers.slack.reply import core, ephemeral


def register(app: AsyncApp, *, service: MissionService, rt: Runtime) -> None:
    tasks = tasks_for(app)

    # Recorded before the ack, like an undo request: Slack never retries a block action.
    @app.action(ACTION_CANCEL)
    async def on_cancel(ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        user, mission_id = body["user"]["id"], str(body["actions"][0].get("value") or "")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        try:
            answer = requesters.cancelled_text(await core(requesters.cancel, rt, mission_id, actor=user))
        except MissionbotError as err:
            answer = str(err)
        await ack()
        tasks.spawn(ephemeral(client, channel=channel, user=user, text=answer), name="slack-cancel")
