"""App Home: each approver's pending decisions, oldest first, with the same buttons as the cards; an
owner also sees their workers' figures (the manager's panels)."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.cards import card_for
from bot.core.inbox import Entry
from bot.core.runtime import Runtime
from bot.missions.service import MissionService
from bot.platforms.slack.app_home import home_view
from bot.platforms.slack.background import tasks_for
from bot.platforms.slack.client import async_web_client
from bot.platforms.slack.home_batch import with_batches
from handlers.slack.reply import core


async def publish(client: AsyncWebClient, *, service: MissionService, rt: Runtime, user: str) -> None:
    proposals = await core(service.pending_for, user)
    cards = [card_for(p, rt.worker(p.worker), redactor=rt.redactor) for p in proposals]
    panels = await core(service.manager_panels, user, "slack")
    note = await core(service.delegations, user)
    await client.views_publish(user_id=user, view=with_batches(home_view(cards, panels), cards, note=note))


def refresh_after_click(entry: Entry, *, service: MissionService, rt: Runtime) -> None:
    """In serve's handling process, once an Approve click made in App Home (no conversation) is decided:
    the clicker's view without the decided card (in-process handling does it in `actions.approve`)."""
    f, token = entry.fields, rt.settings.slack_bot_token
    if entry.kind != "click" or f.get("platform") != "slack" or f.get("conversation") or token is None:
        return
    client = async_web_client(token=token.get_secret_value(), api_url=rt.settings.slack_api_url)
    asyncio.run(publish(client, service=service, rt=rt, user=f["actor"]))


def register(app: AsyncApp, *, service: MissionService, rt: Runtime) -> None:
    tasks = tasks_for(app)

    @app.event("app_home_opened")
    async def on_home_opened(ack, event: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        if event.get("tab", "home") == "home":
            tasks.spawn(publish(client, service=service, rt=rt, user=event["user"]), name="slack-home")
