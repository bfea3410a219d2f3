"""App Home: each approver's pending decisions, oldest first, with the same buttons as the cards; an
owner also sees their workers' figures (the manager's panels)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.cards import card_for
from bot.core.runtime import Runtime
from bot.missions.service import MissionService
from bot.platforms.slack.app_home import home_view
from bot.platforms.slack.background import tasks_for
from bot.platforms.slack.home_batch import with_batches
from handlers.slack.reply import core


async def publish(client: AsyncWebClient, *, service: MissionService, rt: Runtime, user: str) -> None:
    proposals = await core(service.pending_for, user)
    cards = [card_for(p, rt.worker(p.worker), redactor=rt.redactor) for p in proposals]
    panels = await core(service.manager_panels, user, "slack")
    note = await core(service.delegations, user)
    await client.views_publish(user_id=user, view=with_batches(home_view(cards, panels), cards, note=note))


def register(app: AsyncApp, *, service: MissionService, rt: Runtime) -> None:
    tasks = tasks_for(app)

    @app.event("app_home_opened")
    async def on_home_opened(ack, event: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        if event.get("tab", "home") == "home":
            tasks.spawn(publish(client, service=service, rt=rt, user=event["user"]), name="slack-home")
