"""What `missionbot serve` serves, composed: the platform adapters (bot/platforms) with the listeners
(handlers/) registered on them, mounted on the aiohttp server.

The one place that knows both sides: platforms never import a listener or the mission service, handlers
register themselves on what a platform builds (`handlers.slack.register`, `handlers.teams.register`).
`serve_cmd` loads this module on use, so the other commands start without bolt, botbuilder or aiohttp.
"""

from __future__ import annotations

import weakref

from aiohttp import web

import handlers.slack
from bot.app import redis_url
from bot.core.inbox import Inbox
from bot.core.redis_client import async_redis_from_url
from bot.core.runtime import Runtime
from bot.core.settings import Settings
from bot.missions.service import MissionService
from bot.platforms.server import create_app
from bot.platforms.slack.app import AsyncApp, create_slack_app
from bot.platforms.teams.images import Images, image_route
from bot.platforms.teams.routes import messages_route, refused_route, teams_guard

__all__ = ["inbox_of", "server", "slack_app", "teams_routes"]

_inboxes: weakref.WeakKeyDictionary[AsyncApp, Inbox] = weakref.WeakKeyDictionary()


def inbox_of(app: AsyncApp) -> Inbox:
    """The inbox a Slack app built here appends to (benchmarks and tests wait for it to empty)."""
    return _inboxes[app]


def slack_app(
    rt: Runtime,
    *,
    signing_secret: str,
    token: str,
    api_url: str | None = None,
    service: MissionService | None = None,
    process_before_response: bool = True,
    handle_here: bool = True,
) -> AsyncApp:
    """The bolt app (HTTP and Socket Mode alike) with every Slack listener registered. Its ack path
    talks to Redis through an asyncio client of its own (bound to the loop that serves, so call this
    inside it), closed when the server shuts down. `handle_here=False`: what it appends to the inbox is
    handled by serve's handling process (bot/commands/serve_handling.py), not after the ack here."""
    aredis = async_redis_from_url(redis_url(rt.settings, rt.redis) or "redis://127.0.0.1:6379/0")
    inbox = Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, aredis=aredis)
    app = create_slack_app(
        rt=rt,
        signing_secret=signing_secret,
        token=token,
        api_url=api_url or rt.settings.slack_api_url,
        process_before_response=process_before_response,
        aredis=aredis,
    )
    service = service or MissionService(rt)
    handlers.slack.register(app, service=service, rt=rt, inbox=inbox, handle_here=handle_here)
    _inboxes[app] = inbox
    return app


def teams_routes(
    rt: Runtime,
    *,
    service: MissionService | None = None,
    settings: Settings | None = None,
    allow_anonymous: bool | None = None,
    credentials: object = None,
) -> list[web.RouteDef]:
    """`POST /api/messages`: the Teams endpoint with handlers/teams as its listeners, or a 503 when Teams
    may not be served (no MICROSOFT_APP_ID and no --teams-dev-anonymous)."""
    settings = settings or rt.settings
    anonymous = rt.teams_dev_anonymous if allow_anonymous is None else allow_anonymous
    # The digest chart's image (signed URLs only), for cards already posted even while Teams is refused.
    images = image_route(
        Images(
            redis=rt.redis, prefix=rt.store.prefix, settings=settings, clock=lambda: rt.clock().timestamp()
        )
    )
    if not teams_guard(settings, anonymous):
        return [refused_route(), images]
    # Loaded on use: botbuilder and its Azure stack cost about 0.4 s and 20 MB, for a serve without Teams too.
    import handlers.teams
    from bot.platforms.teams.endpoint import TeamsEndpoint

    endpoint = TeamsEndpoint(rt, settings=settings, credentials=credentials)  # type: ignore[arg-type]
    handlers.teams.register(endpoint, service=service or MissionService(rt), rt=rt)
    return [messages_route(endpoint), images]


def server(
    rt: Runtime,
    *,
    slack: AsyncApp | None,
    slack_over_http: bool = True,
    service: MissionService | None = None,
) -> web.Application:
    """The aiohttp app: /healthz, /readyz, Slack (when given, over HTTP unless Socket Mode) and Teams."""
    app = create_app(
        rt, slack=slack, slack_over_http=slack_over_http, routes=teams_routes(rt, service=service)
    )
    if slack is not None and (inbox := _inboxes.get(slack)) is not None:

        async def close_inbox(_: web.Application) -> None:
            await inbox.aclose()  # after on_shutdown drained the background work that used it

        app.on_cleanup.append(close_inbox)
    return app
