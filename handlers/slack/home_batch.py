"""App Home batch decisions: "Approve selected" / "Reject selected" on several pending cards of one tool.
Acked at once; the batch (bot/missions/batch.py: each card its own decision, authorization and audit event)
runs after the ack, the approver gets one message saying what was decided and what was not, and the Home
tab is published again."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import MissionbotError
from bot.core.runtime import Runtime
from bot.missions.batch import summary
from bot.missions.service import MissionService
from bot.platforms.slack.background import tasks_for
from bot.platforms.slack.home_batch import BATCH_APPROVE, BATCH_PICK, BATCH_REASON, BATCH_REJECT, picked
from handlers.slack import home
from handlers.slack.reply import core, ephemeral


def register(app: AsyncApp, *, service: MissionService, rt: Runtime) -> None:
    tasks = tasks_for(app)

    async def run(client: AsyncWebClient, body: dict[str, Any], approve: bool) -> None:
        user = body["user"]["id"]
        try:
            seen, reason = picked(body)
            if not seen:
                raise ValueError("nothing selected")
            outcomes = await core(
                service.decide_batch,
                list(seen),
                actor=user,
                approve=approve,
                platform="slack",
                reason_code=reason,
                seen=seen,  # an item edited since the Home tab was published is refused and named
            )
            text = summary(outcomes)
        except ValueError as err:
            text = f"Select the cards first ({err}); a rejection also needs a reason."
        except MissionbotError as err:
            text = str(err)
        await ephemeral(client, channel=None, user=user, text=text)
        await home.publish(client, service=service, rt=rt, user=user)

    @app.action(BATCH_APPROVE)
    async def on_batch_approve(ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        tasks.spawn(run(client, body, True), name="slack-batch", queued=True)

    @app.action(BATCH_REJECT)
    async def on_batch_reject(ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        tasks.spawn(run(client, body, False), name="slack-batch", queued=True)

    async def on_selection(ack) -> None:  # ticking a box or choosing a reason only changes the view's state
        await ack()

    for action in (BATCH_PICK, BATCH_REASON):
        app.action(action)(on_selection)
