"""The Teams listeners: what a message or a card invoke means, read from the raw JSON the endpoint hands over.

A message is a request (`MissionService.submit`), a reply in a mission's reply chain (context for it), or a
legacy Action.Submit card action; an `adaptiveCard/action` invoke is a card action (`actions.py`). The
endpoint (bot/platforms/teams/endpoint.py) authenticates, screens and remembers before it calls these.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from bot.core.errors import BadRequest, MissionbotError, NotAuthorized, NotFound
from bot.core.models import MessageRef, Request
from bot.core.runtime import Runtime
from bot.missions import verbs
from bot.missions.service import MissionService, Submitted
from bot.platforms.teams.batch_card import attachment, batch_of
from bot.platforms.teams.endpoint import Send
from bot.platforms.teams.payloads import PLATFORM
from bot.platforms.teams.refs import split_conversation
from bot.platforms.teams.status_card import cancel_of
from bot.platforms.teams.users import TeamsUsers, configured_ids
from handlers.teams import actions as acts

ACK_TIMEOUT = 30.0  # seconds for the "queued" reply; the mission runs regardless


def request_of(raw: dict[str, Any], known: set[str] | frozenset[str] = frozenset()) -> Request:
    """A channel mention or a personal-chat message, as the core's Request (the reply chain is the thread)."""
    base, chain = split_conversation((raw.get("conversation") or {}).get("id", ""))
    return Request(
        platform=PLATFORM,
        conversation=base,
        thread=chain or raw.get("id"),
        requester=acts.actor_of(raw, known),
        text=raw.get("text") or "",
        locale=raw.get("locale") or None,
    )


def mission_of_reply(service: MissionService, raw: dict[str, Any]) -> str | None:
    """The mission whose reply chain this message is in. A chain's first message has the chain's id as its
    own, so it (and an activity without an id) is a new request, never a reply."""
    base, chain = split_conversation((raw.get("conversation") or {}).get("id", ""))
    if not chain or not raw.get("id") or chain == raw.get("id"):
        return None
    return service.rt.store.mission_for_thread(PLATFORM, base, chain)


def add_context(service: MissionService, mission_id: str, raw: dict[str, Any]) -> str:
    """The reply's text joins the mission (only its requester's); the answer says what happened.
    In a channel the bot only hears messages that mention it, so a refusal is worth saying."""
    text = strip_mentions(raw.get("text") or "")
    try:
        service.add_context(mission_id, user=acts.actor_of(raw, configured_ids(service.rt)), text=text)
    except (NotAuthorized, BadRequest, NotFound) as err:
        return str(err)
    return f"📝 Added to {mission_id} as context."


def strip_mentions(text: str) -> str:
    return re.sub(r"<at>[^<]*</at>", " ", text).strip()


PENDING = "pending"  # Teams only: the batch list card (Slack has App Home, the shell `/approve 3 4 7`)
HELP = "The /mission verbs:\n" + "\n".join(
    [*verbs.help_lines(line="• {usage}: {what}"), "• /mission pending: your pending cards, to decide several"]
)


def verb_line(raw: dict[str, Any]) -> str | None:
    """`/mission <verb> …` typed to the bot (the same verb table as Slack and the shell), or None. A colleague
    @mentioned in it stands for their Teams id (`delegate @Bob until …`); the bot's own mention goes."""
    text = raw.get("text") or ""
    bot = (raw.get("recipient") or {}).get("id")
    for entity in raw.get("entities") or []:
        mentioned = (entity or {}).get("mentioned") or {}
        if entity.get("type") == "mention" and mentioned.get("id") not in {None, bot} and entity.get("text"):
            text = text.replace(str(entity["text"]), f" {mentioned['id']} ")
    line = strip_mentions(text)
    return line.removeprefix(verbs.SLACK_PREFIX) if line.startswith(verbs.SLACK_PREFIX) else None


def answer_verb(service: MissionService, line: str, *, user: str, channel: str) -> str:
    try:
        return verbs.answer(service, verbs.parse(line), user=user, channel=channel, help_text=HELP)
    except MissionbotError as err:
        return f"✋ {err}"


class TeamsTurns:
    """The endpoint's listeners (`TeamsListeners`): messages become missions, card actions decisions, both
    through MissionService only."""

    def __init__(self, *, service: MissionService, rt: Runtime) -> None:
        self.rt, self.service = rt, service
        self.users = TeamsUsers(store=rt.store, people=rt.people)

    async def message(self, raw: dict[str, Any], *, send: Send) -> None:
        known = configured_ids(self.rt)
        action = acts.card_action(raw, known)
        if action is not None:  # legacy Action.Submit: a message with the card's `value` and `replyToId`
            body = await asyncio.to_thread(acts.answer, self.service, action)
            await send(acts.answer_text(body))
            return
        if not (raw.get("text") or "").strip():
            return
        request = request_of(raw, known)
        if (line := verb_line(raw)) is not None and line.strip().lower() == PENDING:  # the batch list
            cards = await asyncio.to_thread(acts.pending_cards, self.service, request.requester)
            await send(attachment(cards))
            return
        if line is not None:
            await send(
                await asyncio.to_thread(
                    answer_verb, self.service, line, user=request.requester, channel=request.conversation
                )
            )
            return
        mission_id = await asyncio.to_thread(mission_of_reply, self.service, raw)
        if mission_id is not None:  # a reply in a mission's reply chain: the requester adds context
            await send(await asyncio.to_thread(add_context, self.service, mission_id, raw))
            return
        loop = asyncio.get_running_loop()

        def post_ack(submitted: Submitted) -> MessageRef | None:
            # Runs in the core's thread, before the mission is enqueued: the status message exists first.
            sent = asyncio.run_coroutine_threadsafe(send(submitted.text), loop).result(ACK_TIMEOUT)
            if submitted.mission is None or sent is None:
                return None
            return MessageRef(
                platform=PLATFORM, conversation=request.conversation, ts=sent, thread=submitted.mission.thread
            )

        await asyncio.to_thread(self.service.submit, request, post_ack=post_ack)

    async def card_action(self, raw: dict[str, Any]) -> dict[str, Any]:
        try:
            picked = batch_of(raw)
        except ValueError:
            picked = (True, {}, None)  # a malformed selection is answered like an empty one
        if picked is not None:  # "Approve selected" / "Reject selected" on the batch list
            self.users.remember(raw)
            actor = acts.actor_of(raw, configured_ids(self.rt))
            return await asyncio.to_thread(acts.batch, self.service, picked, actor=actor)
        if (mission_id := cancel_of(raw)) is not None:  # the Cancel button of a status message
            self.users.remember(raw)
            actor = acts.actor_of(raw, configured_ids(self.rt))
            return await asyncio.to_thread(acts.cancel, self.service, mission_id, actor=actor)
        action = acts.card_action(
            raw, configured_ids(self.rt)
        )  # reads value.trigger from the raw body: botbuilder's model drops it
        if (
            action is None
        ):  # answered as Universal Actions say (HTTP 200, statusCode 400), remembering nothing
            return {
                "statusCode": 400,
                "type": acts.ERROR_TYPE,
                "value": {"code": "BadRequest", "message": "not a missionbot card action"},
            }
        self.users.remember(raw)
        return await asyncio.to_thread(acts.answer, self.service, action)
