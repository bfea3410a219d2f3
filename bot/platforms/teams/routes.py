"""`POST /api/messages`: the Bot Framework endpoint Teams (and the Agents Playground) call.

Thin: parse the body, hand it and the Authorization header to `TeamsEndpoint.handle` (JWT, tenant
allowlist, the turn), write its answer. The server mounts the route the composition root builds from here.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from bot.core.settings import Settings

if TYPE_CHECKING:  # botbuilder loads only where Teams is served: the 503 and the guard do without it
    from bot.platforms.teams.endpoint import TeamsEndpoint

log = logging.getLogger(__name__)
PATH = "/api/messages"


def teams_guard(settings: Settings, allow_anonymous: bool) -> bool:
    """May Teams be served? Without MICROSOFT_APP_ID the SDK accepts unauthenticated requests, so only
    an explicit local-development flag allows that, and it says so loudly."""
    if settings.microsoft_app_id:
        if not (settings.microsoft_allowed_tenants or "").strip():
            log.warning(
                "Teams: MICROSOFT_ALLOWED_TENANTS is not set, so requests from ANY Microsoft 365 tenant "
                "with a valid Bot Framework token are accepted. Set it to your tenant id(s), comma "
                "separated, to refuse the others."
            )
        return True
    if allow_anonymous:
        log.warning(
            "!!! TEAMS IS RUNNING WITHOUT AUTHENTICATION (--teams-dev-anonymous): anyone who can reach "
            "%s can act as any user. Local development only; set MICROSOFT_APP_ID in production. !!!",
            PATH,
        )
        return True
    log.warning(
        "Teams is off: MICROSOFT_APP_ID is not set (use --teams-dev-anonymous for local development)."
    )
    return False


def refused_route() -> web.RouteDef:
    """Teams not served (`teams_guard` said no): a clear 503, never an unauthenticated turn."""

    async def refused(_: web.Request) -> web.Response:
        return web.json_response(
            {"error": "Teams is not configured on this server (MICROSOFT_APP_ID)"}, status=503
        )

    return web.post(PATH, refused)


def messages_route(endpoint: TeamsEndpoint) -> web.RouteDef:
    async def messages(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            raw = await request.json()
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested deeper than the parser goes
            return web.json_response({"error": "body is not JSON"}, status=400)
        if not isinstance(raw, dict):
            return web.json_response({"error": "body is not an activity"}, status=400)
        reply = await endpoint.handle(raw, request.headers.get("Authorization"))
        if reply.body is None:
            return web.Response(status=reply.status)
        return web.json_response(reply.body, status=reply.status)

    return web.post(PATH, messages)
