"""Approve/Reject/Undo clicks on a card and the reject-reason modal. An Approve click goes into the inbox
before the ack (one round trip, bot/core/inbox.py) and is decided after it (bot/missions/intake.py), by
serve's handling process or by this one (the recovery sweep decides it if that process dies first); the
rejection and the undo request are recorded before the ack. The card itself is updated by the
`sync_cards` job through the Slack messenger (chat.update), never by response_url."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.card_edits import unversioned
from bot.core.cards import card_for
from bot.core.errors import AlreadyDecided, MissionbotError
from bot.core.inbox import Entry, Inbox
from bot.core.messages import already_decided
from bot.core.runtime import Runtime
from bot.missions.intake import CLICK, Intake, click_fields
from bot.missions.service import MissionService
from bot.platforms.slack.background import tasks_for
from bot.platforms.slack.blockkit import ACTION_APPROVE, ACTION_APPROVE_EDIT, ACTION_REJECT, ACTION_UNDO
from bot.platforms.slack.modals import (
    EDIT_BLOCK,
    EDIT_MODAL,
    REJECT_MODAL,
    edit_modal,
    edited_values,
    reject_modal,
)
from handlers.slack import home
from handlers.slack.reply import core, ephemeral

log = logging.getLogger(__name__)


def _where(body: dict[str, Any]) -> tuple[str, str | None, str]:
    """(clicker, channel or None when the click came from App Home, proposal id)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return body["user"]["id"], channel, unversioned(body["actions"][0]["value"])[0]


def _explain(err: MissionbotError) -> str:
    return already_decided(err) if isinstance(err, AlreadyDecided) else str(err)


def register(
    app: AsyncApp, *, service: MissionService, rt: Runtime, inbox: Inbox, handle_here: bool = True
) -> None:
    """`handle_here`: an Approve click is decided by this process after the ack, else by serve's handling
    process (bot/missions/inbox_consumer.py; it refreshes App Home through `home.refresh_after_click`)."""
    tasks, intake = tasks_for(app), Intake(service)

    async def approve(client: AsyncWebClient, body: dict[str, Any], entry: Entry) -> None:
        """After the ack: the decision (authorize, record, audit, card-sync and execution enqueues), the
        entry out of the inbox, then the clicker's answer if it was refused."""
        refused = await core(intake.decide, entry)
        await inbox.done(entry)
        user, channel, _ = _where(body)
        if refused is not None:
            await ephemeral(client, channel=channel, user=user, text=_explain(refused))
        if channel is None:  # clicked in App Home: show what is left to decide
            await home.publish(client, service=service, rt=rt, user=user)

    async def open_modal(client: AsyncWebClient, body: dict[str, Any], modal=reject_modal) -> None:
        user, channel, proposal_id = _where(body)
        try:
            proposal = await core(service.check_decidable, proposal_id, actor=user)
        except MissionbotError as err:
            await ephemeral(client, channel=channel, user=user, text=_explain(err))
            return
        card = card_for(proposal, rt.worker(proposal.worker), redactor=rt.redactor)
        # trigger_id lives 3 seconds: nothing slow happens before this call.
        await client.views_open(trigger_id=body["trigger_id"], view=modal(card))

    async def after_undo(client: AsyncWebClient, body: dict[str, Any], answer: str) -> None:
        user, channel, _ = _where(body)
        await ephemeral(client, channel=channel, user=user, text=answer)

    # Block actions are never retried by Slack: whatever must survive a crash (the click, the undo
    # proposal) is recorded before the ack; a failure there answers 500, which Slack shows on the button.
    @app.action(ACTION_UNDO)
    async def on_undo(ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        user, _, proposal_id = _where(body)
        try:
            proposal = await core(service.request_undo, proposal_id, actor=user)
            answer = f"↩️ Undo requested: {proposal.tool} is proposed to the approvers ({proposal.id})."
        except MissionbotError as err:
            answer = _explain(err)
        await ack()
        tasks.spawn(after_undo(client, body, answer), name="slack-undo")

    @app.action(ACTION_APPROVE)
    async def on_approve(ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        user, channel, proposal_id = _where(body)
        version = unversioned(body["actions"][0]["value"])[1]  # the arguments' version the card showed
        fields = click_fields(
            proposal_id=proposal_id, actor=user, platform="slack", conversation=channel, version=version
        )
        # Durable before the ack; a failure here is a 500.
        entry = await inbox.append(CLICK, fields, deliver=handle_here)
        assert entry is not None  # no dedupe mark: always added
        await ack()
        if handle_here:
            tasks.spawn(approve(client, body, entry), name="slack-approve", queued=True)

    @app.action(ACTION_REJECT)
    async def on_reject(ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()  # nothing durable yet: the decision comes with the modal's submission
        tasks.spawn(open_modal(client, body), name="slack-reject-modal")

    @app.action(ACTION_APPROVE_EDIT)
    async def on_approve_edit(ack, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()  # nothing durable yet: the decision comes with the modal's submission
        tasks.spawn(open_modal(client, body, edit_modal), name="slack-edit-modal")

    @app.view(EDIT_MODAL)
    async def on_edit_submitted(ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = edited_values(view["state"]["values"])
        proposal_id, version = unversioned(view["private_metadata"])
        try:  # decided before the ack, so a value out of bounds shows under its input in the modal
            await core(
                service.decide,
                proposal_id,
                actor=body["user"]["id"],
                approve=True,
                platform="slack",
                edits=values,
                seen_version=version,
            )
        except MissionbotError as err:
            text = _explain(err)
            # Under the input the refusal names ("amount = 300 is out of bounds…"), else the first one.
            arg = next((a for a in values if text.startswith(a)), next(iter(values), ""))
            await ack(response_action="errors", errors={f"{EDIT_BLOCK}{arg}"[:255]: text[:150]})
            return
        await ack()

    @app.view(REJECT_MODAL)
    async def on_reject_submitted(
        ack,
        body: dict[str, Any],
        view: dict[str, Any],
        client: AsyncWebClient,
    ) -> None:
        values = view["state"]["values"]
        reason = ((values.get("reason") or {}).get("reason_code") or {}).get("selected_option") or {}
        comment = ((values.get("comment") or {}).get("comment") or {}).get("value")
        user = body["user"]["id"]
        try:  # decided before the ack (a few Redis round trips) so a refusal shows in the modal itself
            await core(
                service.decide,
                view["private_metadata"],
                actor=user,
                approve=False,
                platform="slack",
                reason_code=reason.get("value"),
                comment=comment,
            )
        except MissionbotError as err:
            await ack(response_action="errors", errors={"reason": _explain(err)[:150]})
            return
        await ack()
