"""Microsoft Teams through the Bot Framework: the ONLY module that imports botbuilder.

Microsoft is retiring the Python Bot Framework SDK for the M365 Agents SDK; everything platform-meaningful
lives in `teams_actions` / `teams_refs` (plain JSON), so a swap rewrites this file only.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, ConversationReference
from botframework.connector.auth import ChannelValidation, ServiceClientCredentialsFactory
from msrest.exceptions import HttpOperationError
from tenacity import (
    AsyncRetrying,
    before_sleep_log,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from bot.audit import Audit
from bot.cards import Card
from bot.models import MessageRef
from bot.render.adaptive import attachment
from bot.runtime import Runtime
from bot.service import MissionService, Submitted
from bot.settings import Settings
from bot.store import Store
from bot.surfaces import teams_actions as acts
from bot.surfaces.teams_refs import ConversationRefs

log = logging.getLogger(__name__)
RAW = "missionbot.raw_activity"  # turn_state key: the request body as Teams sent it
RETRYABLE = {412, 429, 502, 504}
ACK_TIMEOUT = 30.0  # seconds for the "queued" reply; the mission runs regardless
__all__ = ["ChannelValidation", "TeamsEndpoint", "TeamsMessenger", "Reply"]  # ChannelValidation: metadata URL hook


class _Config:
    """The attribute names ConfigurationBotFrameworkAuthentication reads, from our Settings."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.microsoft_app_id
        self.APP_PASSWORD = settings.microsoft_app_password.get_secret_value() if settings.microsoft_app_password else None
        self.APP_TENANTID = settings.microsoft_app_tenant_id
        self.APP_TYPE = "SingleTenant" if settings.microsoft_app_tenant_id else "MultiTenant"


def make_adapter(settings: Settings, *, credentials: ServiceClientCredentialsFactory | None = None,
                 raise_errors: bool = False) -> CloudAdapter:
    auth = ConfigurationBotFrameworkAuthentication(_Config(settings), credentials_factory=credentials)
    adapter = CloudAdapter(auth)
    if raise_errors:  # proactive sends: the caller retries or reports; the SDK would swallow the error
        return adapter

    async def on_error(context: TurnContext, error: Exception) -> None:
        log.exception("Teams turn failed: %s", type(error).__name__, exc_info=error)

    adapter.on_turn_error = on_error
    return adapter


class TeamsBot(ActivityHandler):
    """Messages become missions; card actions become decisions; both through MissionService only."""

    def __init__(self, rt: Runtime) -> None:
        self.rt, self.service, self.refs = rt, MissionService(rt), ConversationRefs(store=rt.store)

    def _remember(self, context: TurnContext, raw: dict[str, Any]) -> None:
        reference = serializer_helper(TurnContext.get_conversation_reference(context.activity))
        self.refs.save(reference, is_channel=acts.is_channel(raw))

    async def on_message_activity(self, context: TurnContext) -> None:
        raw = context.turn_state[RAW]
        self._remember(context, raw)
        action = acts.card_action(raw)
        if action is not None:  # legacy Action.Submit: a message with the card's `value` and `replyToId`
            body = await asyncio.to_thread(acts.answer, self.service, action)
            await context.send_activity(acts.answer_text(body))
            return
        if not (raw.get("text") or "").strip():
            return
        request = acts.request_of(raw)
        mission_id = await asyncio.to_thread(acts.mission_of_reply, self.service, raw)
        if mission_id is not None:  # a reply in a mission's reply chain: the requester adds context
            await context.send_activity(await asyncio.to_thread(acts.add_context, self.service, mission_id, raw))
            return
        loop = asyncio.get_running_loop()

        def post_ack(submitted: Submitted) -> MessageRef | None:
            # Runs in the core's thread, before the mission is enqueued: the status message exists first.
            sent = asyncio.run_coroutine_threadsafe(context.send_activity(submitted.text), loop).result(ACK_TIMEOUT)
            if submitted.mission is None or sent is None:
                return None
            return MessageRef(platform=acts.PLATFORM, conversation=request.conversation, ts=sent.id,
                              thread=submitted.mission.thread)

        await asyncio.to_thread(self.service.submit, request, post_ack=post_ack)

    async def on_conversation_update_activity(self, context: TurnContext) -> None:
        self._remember(context, context.turn_state[RAW])  # installed in a team or chat: we may post there

    async def on_invoke_activity(self, context: TurnContext) -> InvokeResponse | None:
        raw = context.turn_state[RAW]
        if raw.get("name") != "adaptiveCard/action":
            return await super().on_invoke_activity(context)
        action = acts.card_action(raw)  # reads value.trigger from the raw body: botbuilder's model drops it
        if action is None:
            body = {"statusCode": 400, "type": acts.ERROR_TYPE,
                    "value": {"code": "BadRequest", "message": "not a missionbot card action"}}
        else:
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

    def __init__(self, rt: Runtime, *, settings: Settings,
                 credentials: ServiceClientCredentialsFactory | None = None) -> None:
        self.adapter = make_adapter(settings, credentials=credentials)
        self.bot = TeamsBot(rt)
        allowed = settings.microsoft_allowed_tenants or ""
        self.tenants = {t.strip() for t in allowed.split(",") if t.strip()}

    async def handle(self, raw: dict[str, Any], auth_header: str | None) -> Reply:
        activity = Activity().deserialize(raw)
        if not activity.type:
            return Reply(400, {"error": "not a Bot Framework activity"})
        try:
            auth = await self.adapter.bot_framework_authentication.authenticate_request(activity, auth_header or None)
        except Exception as err:  # noqa: BLE001 - the SDK raises PermissionError, PyJWT errors and bare Exception
            log.warning("Teams request refused (%s): %s", type(err).__name__, err)
            return Reply(401, {"error": "unauthorized"})
        tenant = acts.tenant_of(raw)
        if self.tenants and tenant not in self.tenants:
            log.warning("Teams request from tenant %r refused: not in MICROSOFT_ALLOWED_TENANTS", tenant)
            return Reply(403, {"error": "tenant not allowed"})

        async def turn(context: TurnContext) -> None:
            context.turn_state[RAW] = raw
            await self.bot.on_turn(context)

        invoke = await self.adapter.process_activity(auth, activity, turn)
        if invoke is None:
            return Reply(201)
        body = invoke.body if isinstance(invoke.body, dict) or invoke.body is None else serializer_helper(invoke.body)
        return Reply(int(invoke.status), body)


def _retryable(err: BaseException) -> bool:
    return isinstance(err, HttpOperationError) and getattr(err.response, "status_code", None) in RETRYABLE


def _status(err: BaseException) -> int | None:
    return getattr(getattr(err, "response", None), "status_code", None)


class TeamsMessenger:
    """The Messenger for RQ jobs: proactive posts and in-place updates through `continue_conversation`."""

    platform = acts.PLATFORM

    def __init__(self, *, store: Store, settings: Settings, audit: Audit | None = None, attempts: int = 4,
                 backoff_seconds: float = 0.5, max_backoff_seconds: float = 8.0,
                 credentials: ServiceClientCredentialsFactory | None = None) -> None:
        self.refs, self.audit, self.settings = ConversationRefs(store=store), audit, settings
        self.credentials = credentials
        self.retry = dict(stop=stop_after_attempt(attempts), reraise=True, retry=retry_if_exception(_retryable),
                          wait=wait_random_exponential(multiplier=backoff_seconds, max=max_backoff_seconds),
                          before_sleep=before_sleep_log(log, logging.WARNING))  # bounded, jittered

    def _run(self, work: Callable[[], Awaitable[Any]]) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(work())
        with concurrent.futures.ThreadPoolExecutor(1) as pool:  # called from async code: own loop, own thread
            return pool.submit(asyncio.run, work()).result()

    async def _send(self, conversation: str, thread: str | None,
                    act: Callable[[TurnContext], Awaitable[Any]]) -> Any:
        reference = ConversationReference().deserialize(self.refs.load(conversation, thread))
        adapter = make_adapter(self.settings, credentials=self.credentials, raise_errors=True)  # per call: aiohttp binds to a loop
        result: list[Any] = []

        async def logic(context: TurnContext) -> None:
            result.append(await act(context))

        async for attempt in AsyncRetrying(**self.retry):
            with attempt:
                result.clear()
                await adapter.continue_conversation(reference, logic, self.settings.microsoft_app_id)
        return result[-1] if result else None

    def _gone(self, conversation: str, err: HttpOperationError) -> None:
        if self.refs.first_failure(conversation):
            log.error("Teams answered 403 for conversation %s: the bot is not in its roster (removed from the "
                      "team or chat?). Messages there are dropped until it is added back.", conversation)
            if self.audit is not None:
                self.audit.record("teams.undeliverable", actor="system", conversation=conversation, status=403,
                                  error=str(err)[:200])

    def _message(self, text: str, card: Card | None, **extra: Any) -> Activity:
        if card is None:
            return Activity(type=ActivityTypes.message, text=text, **extra)
        return Activity(type=ActivityTypes.message, summary=text, attachments=[attachment(card)], **extra)

    def post(self, *, conversation: str, thread: str | None, text: str, card: Card | None = None) -> MessageRef:
        async def send(context: TurnContext) -> Any:
            # The continuation event has a made-up id the SDK would reply to; a proactive post replies to
            # nothing (SendToConversation; the reply chain, if any, is in the conversation id).
            context.activity.id = None
            return await context.send_activity(self._message(text, card))

        try:
            sent = self._run(lambda: self._send(conversation, thread, send))
        except HttpOperationError as err:
            if _status(err) != 403:
                raise
            self._gone(conversation, err)
            return MessageRef(platform=self.platform, conversation=conversation, ts="", thread=thread)
        return MessageRef(platform=self.platform, conversation=conversation, ts=sent.id if sent else "", thread=thread)

    def update(self, ref: MessageRef, *, text: str, card: Card | None = None) -> None:
        if not ref.ts:  # never delivered (403 at post time): nothing to update
            return

        async def replace(context: TurnContext) -> Any:
            return await context.update_activity(self._message(text, card, id=ref.ts))

        try:
            self._run(lambda: self._send(ref.conversation, ref.thread, replace))
        except HttpOperationError as err:
            if _status(err) != 403:
                raise
            self._gone(ref.conversation, err)

    def ephemeral(self, *, conversation: str, user: str, text: str) -> None:
        # Teams has no ephemeral messages in channels; a proactive 1:1 needs the user's chat, which we
        # keep only once they have written to the bot. Fall back to a mention-free post in the conversation.
        self.post(conversation=conversation, thread=None, text=text)
