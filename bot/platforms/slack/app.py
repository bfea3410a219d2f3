"""The slack-bolt AsyncApp: one app for HTTP (`POST /slack/events`) and Socket Mode, same listeners.

The HTTP endpoint (bot/platforms/server.py) has verified the signature (5-minute window, 401 otherwise)
before bolt sees a request; built-in bolt middleware ignores the bot's own events before ours runs; ours
drops Events API deliveries already seen (by `event_id`), or, for a new top-level request, leaves the mark
to the listener's inbox append (one Redis round trip for both).
The listeners are `handlers/slack`'s: the composition root registers them on the app built here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from redis.asyncio import Redis as AsyncRedis
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.core.runtime import Runtime
from bot.platforms.slack.client import async_web_client

if TYPE_CHECKING:  # Socket Mode's client loads only when it is used: HTTP serving starts without it
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

log = logging.getLogger(__name__)

# Slack retries a delivery 3 times within about 5 minutes; an hour is well past the last retry.
EVENT_TTL_SECONDS = 3600
# Context key: the dedupe mark (key, seconds) of an event the listener puts in the inbox, set by the inbox's
# append in the same round trip instead of a SET NX of its own before the listener (bot/core/inbox.py).
INBOX_DEDUPE = "inbox_dedupe"


def from_a_person(event: dict) -> bool:
    """Bots (ourselves included) and edits/joins/deletions are not requests."""
    return bool(event.get("user")) and not event.get("bot_id") and event.get("subtype") is None


def a_new_request(event: dict) -> bool:
    """A person's top-level mention or DM: the listener always appends it to the inbox
    (handlers/slack/events.py); a thread reply may be a follow-up instead, so it is deduped here."""
    asked = event.get("type") == "app_mention" or (
        event.get("type") == "message" and event.get("channel_type") == "im"
    )
    return asked and from_a_person(event) and not event.get("thread_ts")


def event_key(rt: Runtime, event_id: str) -> str:
    return rt.store.key("slack", "event", event_id)


def first_delivery(rt: Runtime, event_id: str) -> bool:
    """True once per event_id (SET NX). A retry (X-Slack-Retry-Num) whose first delivery never
    arrived is still a first delivery here, so it is processed."""
    return bool(rt.redis.set(event_key(rt, event_id), "1", nx=True, ex=EVENT_TTL_SECONDS))


class DedupeEvents(AsyncMiddleware):
    """A bolt middleware object rather than a function: bolt calls a function middleware through its
    argument injection (the kwargs of every request built and matched), this one directly.
    `aredis`: the asyncio client, so the SET NX does not block the event loop (serve passes it)."""

    def __init__(self, rt: Runtime, aredis: AsyncRedis | None = None) -> None:
        self.rt, self.aredis = rt, aredis

    async def first(self, event_id: str) -> bool:
        if self.aredis is None:
            return first_delivery(self.rt, event_id)
        key = event_key(self.rt, event_id)
        return bool(await self.aredis.set(key, "1", nx=True, ex=EVENT_TTL_SECONDS))

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id and self.aredis is not None and a_new_request(body.get("event") or {}):
            req.context[INBOX_DEDUPE] = (event_key(self.rt, event_id), EVENT_TTL_SECONDS)  # one trip for both
        elif event_id and not await self.first(event_id):
            log.info("duplicate Slack event %s acknowledged and dropped", event_id)
            return BoltResponse(status=200, body="")
        return await next()


def release_on_failure(rt: Runtime) -> Callable[..., Awaitable[None]]:
    """Bolt's global error handler. A listener that raises does so before its ack (the durable step comes
    first, everything after the ack runs in a background task), so Slack gets a 500 and retries: the
    event's dedupe mark is dropped so that retry is processed instead of being taken for a duplicate."""

    async def on_error(error: Exception, body: dict) -> None:
        log.error("Slack listener failed; Slack will retry", exc_info=error)
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            rt.redis.delete(event_key(rt, event_id))

    return on_error


def create_slack_app(
    *,
    rt: Runtime,
    signing_secret: str,
    token: str,
    api_url: str,
    process_before_response: bool = True,
    aredis: AsyncRedis | None = None,
) -> AsyncApp:
    """`process_before_response=True`: the listener does the durable part (the inbox entry), acks and
    hands the rest (the handling, Slack answers) to a background task, so the HTTP answer leaves as soon
    as the listener returns, without bolt's 10 ms ack polling, and a failure before it is a 500 Slack
    retries. No listener yet: `handlers.slack.register(app, ...)` adds them. `aredis`: the asyncio Redis
    client the ack path uses (the event_id dedupe), built by the composition root."""
    app = AsyncApp(
        client=async_web_client(token=token, api_url=api_url),
        signing_secret=signing_secret,
        process_before_response=process_before_response,
        # Its one HTTP way in, bot/platforms/server.py's endpoint, checks the signature on the raw bytes
        # before bolt parses them (a second HMAC here was 10 % of an ack's CPU); Socket Mode has none.
        request_verification_enabled=False,
    )
    app.use(DedupeEvents(rt, aredis))
    app.error(release_on_failure(rt))
    return app


def socket_mode_handler(app: AsyncApp, app_token: str) -> AsyncSocketModeHandler:
    """The same listeners over Slack's websocket (Socket Mode) instead of HTTP."""
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    return AsyncSocketModeHandler(app, app_token)
