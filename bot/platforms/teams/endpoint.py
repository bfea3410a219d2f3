"""Microsoft Teams inbound through the Bot Framework: `POST /api/messages` turns into plain listener calls.

With `messenger.py` (outbound), the only platform modules that import botbuilder. The endpoint only
translates: it authenticates and screens the activity, remembers where replies go, and hands the raw JSON
to the listeners `handlers/teams` gives it (`TeamsListeners`); what an activity means lives there.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext, serializer_helper
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector.auth import ChannelValidation, ServiceClientCredentialsFactory
from msrest.exceptions import DeserializationError

from bot.core.runtime import Runtime
from bot.core.settings import Settings
from bot.platforms.teams.payloads import is_channel, malformed, service_url_allowed, tenant_of
from bot.platforms.teams.proactive import make_adapter
from bot.platforms.teams.refs import ConversationRefs
from bot.platforms.teams.users import TeamsUsers

log = logging.getLogger(__name__)
RAW = "missionbot.raw_activity"  # turn_state key: the request body as Teams sent it
# ChannelValidation: the tests' metadata URL hook
__all__ = ["ChannelValidation", "Reply", "Send", "TeamsEndpoint", "TeamsListeners"]

# Post a reply in the turn's conversation: text, or a card attachment (a dict) -> its id.
Send = Callable[[str | dict[str, Any]], Awaitable[str | None]]


class TeamsListeners(Protocol):
    """What `handlers/teams` answers, from the activity's raw JSON (the SDK's models drop fields we read)."""

    async def message(self, raw: dict[str, Any], *, send: Send) -> None:
        """A message: a request, a reply in a mission's chain, or a legacy Action.Submit card action."""
        ...

    async def card_action(self, raw: dict[str, Any]) -> dict[str, Any]:
        """An `adaptiveCard/action` invoke -> the invoke response body (Universal Actions)."""
        ...


class TeamsBot(ActivityHandler):
    """Turns an activity into a listener call, after remembering where the bot may post (refs, users)."""

    def __init__(self, rt: Runtime) -> None:
        self.refs = ConversationRefs(store=rt.store)
        self.users = TeamsUsers(store=rt.store, people=rt.people)
        self.listeners: TeamsListeners | None = None  # given by handlers/teams (register)

    def _remember(self, context: TurnContext, raw: dict[str, Any]) -> None:
        reference = serializer_helper(TurnContext.get_conversation_reference(context.activity))
        self.refs.save(reference, is_channel=is_channel(raw))
        self.users.remember(raw)  # their MRI (card refresh) and what a 1:1 with them needs (re-routes)

    async def on_message_activity(self, context: TurnContext) -> None:
        raw = context.turn_state[RAW]
        self._remember(context, raw)
        if self.listeners is None:
            return

        async def send(reply: str | dict[str, Any]) -> str | None:
            if isinstance(reply, dict):  # an Adaptive Card attachment (the batch list)
                reply = Activity(type=ActivityTypes.message, attachments=[reply])  # type: ignore[assignment]
            sent = await context.send_activity(reply)
            return None if sent is None else sent.id

        await self.listeners.message(raw, send=send)

    async def on_conversation_update_activity(self, context: TurnContext) -> None:
        self._remember(context, context.turn_state[RAW])  # installed in a team or chat: we may post there

    async def on_invoke_activity(self, context: TurnContext) -> InvokeResponse | None:
        raw = context.turn_state[RAW]
        if raw.get("name") != "adaptiveCard/action":  # the SDK would answer 501 to the invokes we do not take
            return InvokeResponse(status=400, body={"error": f"unsupported invoke {raw.get('name')!r}"})
        if self.listeners is None:
            return InvokeResponse(status=501)
        body = await self.listeners.card_action(raw)
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

    def listen(self, listeners: TeamsListeners) -> None:
        """Who answers the turns (`handlers.teams.register`); until then messages go unanswered."""
        self.bot.listeners = listeners

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
        tenant = tenant_of(raw)
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
