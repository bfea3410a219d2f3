"""Proactive Bot Framework plumbing: an adapter from our Settings, a stored conversation reference continued
(or a 1:1 created) with bounded retries, run from sync RQ jobs, and a 403 recorded once as "the bot is gone".

What is sent lives in `messenger.py`; this module only knows conversations, references and retries.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import ConversationParameters, ConversationReference
from botframework.connector.auth import ServiceClientCredentialsFactory
from msrest.exceptions import HttpOperationError
from tenacity import AsyncRetrying

from bot.core.audit import Audit
from bot.core.settings import Settings
from bot.platforms.teams.payloads import service_url_allowed
from bot.platforms.teams.refs import ConversationRefs

log = logging.getLogger(__name__)


class _Config:
    """The attribute names ConfigurationBotFrameworkAuthentication reads, from our Settings."""

    def __init__(self, settings: Settings) -> None:
        self.APP_ID = settings.microsoft_app_id
        self.APP_PASSWORD = (
            settings.microsoft_app_password.get_secret_value() if settings.microsoft_app_password else None
        )
        self.APP_TENANTID = settings.microsoft_app_tenant_id
        self.APP_TYPE = "SingleTenant" if settings.microsoft_app_tenant_id else "MultiTenant"


def make_adapter(
    settings: Settings,
    *,
    credentials: ServiceClientCredentialsFactory | None = None,
    raise_errors: bool = False,
) -> CloudAdapter:
    auth = ConfigurationBotFrameworkAuthentication(_Config(settings), credentials_factory=credentials)
    adapter = CloudAdapter(auth)
    if raise_errors:  # proactive sends: the caller retries or reports; the SDK would swallow the error
        return adapter

    async def on_error(context: TurnContext, error: Exception) -> None:
        log.exception("Teams turn failed: %s", type(error).__name__, exc_info=error)

    adapter.on_turn_error = on_error
    return adapter


class Proactive:
    """Turns in stored conversations, for code that runs outside an inbound turn."""

    def __init__(
        self,
        *,
        refs: ConversationRefs,
        settings: Settings,
        retry: dict[str, Any],
        audit: Audit | None = None,
        credentials: ServiceClientCredentialsFactory | None = None,
    ) -> None:
        self.refs, self.settings, self.retry = refs, settings, retry
        self.audit, self.credentials = audit, credentials

    def run(self, work: Callable[[], Awaitable[Any]]) -> Any:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(work())
        with concurrent.futures.ThreadPoolExecutor(1) as pool:  # called from async code: own loop, own thread
            return pool.submit(asyncio.run, work()).result()

    async def send(
        self, conversation: str, thread: str | None, act: Callable[[TurnContext], Awaitable[Any]]
    ) -> Any:
        stored = self.refs.load(conversation, thread)
        if not service_url_allowed(
            stored.get("serviceUrl"), settings=self.settings
        ):  # never an unconfigured host
            raise LookupError(f"the Teams service URL for {conversation!r} is not an allowed host")
        reference = ConversationReference().deserialize(stored)
        adapter = make_adapter(
            self.settings, credentials=self.credentials, raise_errors=True
        )  # per call: aiohttp binds to a loop
        result: list[Any] = []

        async def logic(context: TurnContext) -> None:
            result.append(await act(context))

        async for attempt in AsyncRetrying(**self.retry):
            with attempt:
                result.clear()
                await adapter.continue_conversation(reference, logic, self.settings.microsoft_app_id)
        return result[-1] if result else None

    async def create(
        self,
        parameters: ConversationParameters,
        service_url: str,
        logic: Callable[[TurnContext], Awaitable[None]],
        reset: Callable[[], None],
    ) -> None:
        """Open a conversation (a 1:1) and run `logic` in it; `reset` clears what a failed attempt left."""
        adapter = make_adapter(self.settings, credentials=self.credentials, raise_errors=True)
        async for attempt in AsyncRetrying(**self.retry):
            with attempt:
                reset()
                await adapter.create_conversation(
                    self.settings.microsoft_app_id, logic, parameters, "msteams", service_url
                )

    def gone(self, conversation: str, err: HttpOperationError) -> None:
        if self.refs.first_failure(conversation):
            log.error(
                "Teams answered 403 for conversation %s: the bot is not in its roster (removed from the "
                "team or chat?). Messages there are dropped until it is added back.",
                conversation,
            )
            if self.audit is not None:
                self.audit.record(
                    "teams.undeliverable",
                    actor="system",
                    conversation=conversation,
                    status=403,
                    error=str(err)[:200],
                )
