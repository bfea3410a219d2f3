"""Microsoft Teams inbound through the Bot Framework: `POST /api/messages` turns into core calls.

With `teams_messenger.py` (outbound), the only modules that import botbuilder. Microsoft is retiring the
Python Bot Framework SDK for the M365 Agents SDK; everything platform-meaningful lives in `teams_actions`,
`teams_refs` and `teams_users` (plain JSON), so a swap rewrites those two files only.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext, serializer_helper
from botbuilder.schema import Activity
from botframework.connector.auth import ChannelValidation, ServiceClientCredentialsFactory
from msrest.exceptions import DeserializationError

from bot.core.models import MessageRef
from bot.core.runtime import Runtime
from bot.core.settings import Settings
from bot.missions.service import MissionService, Submitted
from bot.platforms.teams.messenger import TeamsMessenger, make_adapter
from bot.platforms.teams.payloads import malformed, service_url_allowed
from bot.platforms.teams.refs import ConversationRefs
from bot.platforms.teams.users import TeamsUsers, configured_ids
from handlers.teams import actions as acts

log = logging.getLogger(__name__)
RAW = "missionbot.raw_activity"  # turn_state key: the request body as Teams sent it
ACK_TIMEOUT = 30.0  # seconds for the "queued" reply; the mission runs regardless
# ChannelValidation: the tests' metadata URL hook; TeamsMessenger: where platforms.py finds it
__all__ = ["ChannelValidation", "TeamsEndpoint", "TeamsMessenger", "Reply"]


class TeamsBot(ActivityHandler):
    """Messages become missions; card actions become decisions; both through MissionService only."""

    def __init__(self, rt: Runtime) -> None:
        self.rt, self.service, self.refs = rt, MissionService(rt), ConversationRefs(store=rt.store)
        self.users = TeamsUsers(store=rt.store, people=rt.people)

    def _remember(self, context: TurnContext, raw: dict[str, Any]) -> None:
        reference = serializer_helper(TurnContext.get_conversation_reference(context.activity))
        self.refs.save(reference, is_channel=acts.is_channel(raw))
        self.users.remember(raw)  # their MRI (card refresh) and what a 1:1 with them needs (re-routes)

    async def on_message_activity(self, context: TurnContext) -> None:
        raw = context.turn_state[RAW]
        self._remember(context, raw)
        known = configured_ids(self.rt)
        action = acts.card_action(raw, known)
        if action is not None:  # legacy Action.Submit: a message with the card's `value` and `replyToId`
            body = await asyncio.to_thread(acts.answer, self.service, action)
            await context.send_activity(acts.answer_text(body))
            return
        if not (raw.get("text") or "").strip():
            return
        request = acts.request_of(raw, known)
        mission_id = await asyncio.to_thread(acts.mission_of_reply, self.service, raw)
        if mission_id is not None:  # a reply in a mission's reply chain: the requester adds context
            await context.send_activity(
                await asyncio.to_thread(acts.add_context, self.service, mission_id, raw)
            )
            return
        loop = asyncio.get_running_loop()

        def post_ack(submitted: Submitted) -> MessageRef | None:
            # Runs in the core's thread, before the mission is enqueued: the status message exists first.
            sent = asyncio.run_coroutine_threadsafe(context.send_activity(submitted.text), loop).result(
                ACK_TIMEOUT
            )
            if submitted.mission is None or sent is None:
                return None
            return MessageRef(
                platform=acts.PLATFORM,
                conversation=request.conversation,
                ts=sent.id,
                thread=submitted.mission.thread,
            )

        await asyncio.to_thread(self.service.submit, request, post_ack=post_ack)

    async def on_conversation_update_activity(self, context: TurnContext) -> None:
        self._remember(context, context.turn_state[RAW])  # installed in a team or chat: we may post there

    async def on_invoke_activity(self, context: TurnContext) -> InvokeResponse | None:
        raw = context.turn_state[RAW]
        if raw.get("name") != "adaptiveCard/action":  # the SDK would answer 501 to the invokes we do not take
            return InvokeResponse(status=400, body={"error": f"unsupported invoke {raw.get('name')!r}"})
        action = acts.card_action(
            raw, configured_ids(self.rt)
        )  # reads value.trigger from the raw body: botbuilder's model drops it
        if (
            action is None
        ):  # answered as Universal Actions say (HTTP 200, statusCode 400), remembering nothing
            body = {
                "statusCode": 400,
                "type": acts.ERROR_TYPE,
                "value": {"code": "BadRequest", "message": "not a missionbot card action"},
            }
        else:
            self.users.remember(raw)
            body = await asyncio.to_thread(acts.answer, self.service, action)
        # A plain dict body: the SDK would run serializer_helper on it twice ('dict' ... 'is_xml_model');
        # TeamsEndpoint writes this dict itself.
        return InvokeResponse(status=200, body=body)


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any] | None = None


class TeamsEndpoint:
    """POST /api/messages: authenticate (JWT), check the tenant, run the turn, answer the HTTP request."""

    def __init__(
        self, rt: Runtime, *, settings: Settings, credentials: ServiceClientCredentialsFactory | None = None
    ) -> None:
        self.adapter, self.settings = make_adapter(settings, credentials=credentials), settings
        self.bot = TeamsBot(rt)
        allowed = settings.microsoft_allowed_tenants or ""
        self.tenants = {t.strip() for t in allowed.split(",") if t.strip()}

    async def handle(self, raw: dict[str, Any], auth_header: str | None) -> Reply:
        """Shape (400), then the JWT (401), the tenant (403) and where replies would go (403): nothing is
        read into Redis, and no host is contacted, before all four pass."""
        problem = malformed(raw)
        if problem is not None:
            return Reply(400, {"error": f"not a usable Bot Framework activity: {problem}"})
        try:
            activity = Activity().deserialize(raw)
        except DeserializationError as err:  # dates, entities, attachments: fields the SDK types itself
            return Reply(400, {"error": f"not a usable Bot Framework activity: {type(err).__name__}"})
        try:
            auth = await self.adapter.bot_framework_authentication.authenticate_request(
                activity, auth_header or None
            )
        except Exception as err:  # the SDK raises PermissionError, PyJWT errors and bare Exception
            log.warning("Teams request refused (%s): %s", type(err).__name__, err)
            return Reply(401, {"error": "unauthorized"})
        tenant = acts.tenant_of(raw)
        if self.tenants and tenant not in self.tenants:
            log.warning("Teams request from tenant %r refused: not in MICROSOFT_ALLOWED_TENANTS", tenant)
            return Reply(403, {"error": "tenant not allowed"})
        if not service_url_allowed(raw["serviceUrl"], settings=self.settings):
            log.warning(
                "Teams request refused: serviceUrl %r is not a configured Bot Framework host "
                "(MISSIONBOT_TEAMS_SERVICE_HOSTS)",
                raw["serviceUrl"][:200],
            )
            return Reply(403, {"error": "serviceUrl not allowed"})

        async def turn(context: TurnContext) -> None:
            context.turn_state[RAW] = raw
            await self.bot.on_turn(context)

        invoke = await self.adapter.process_activity(auth, activity, turn)
        if invoke is None:
            return Reply(201)
        body = (
            invoke.body
            if isinstance(invoke.body, dict) or invoke.body is None
            else serializer_helper(invoke.body)
        )
        return Reply(int(invoke.status), body)
