"""The aiohttp application `missionbot serve` runs: Slack at `POST /slack/events`, `GET /healthz`,
`GET /readyz`, `GET /metrics` (bot/core/metrics.py), and the routes it is given already built (Teams'
`POST /api/messages`).

It receives the Slack app with its listeners and the Teams route from the composition root
(bot/commands/serve_app.py); nothing here knows a listener."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import time
import uuid
from collections.abc import Iterable, Mapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.core import log_context, metrics, tracing
from bot.core.metrics_redis import RedisCollector
from bot.core.queueing import fresh_workers
from bot.core.runtime import Runtime
from bot.platforms.slack.background import tasks_for
from bot.platforms.slack.payloads import screen

RUNTIME = web.AppKey("runtime", Runtime)
SLACK_PATH = "/slack/events"
SIGNATURE_WINDOW_SECONDS = 300  # Slack's: older requests may be replays
ACKED = {SLACK_PATH: "slack", "/api/messages": "teams"}  # Teams' path: bot/platforms/teams/routes.py PATH


def signed(secret: bytes, body: bytes, headers: Mapping[str, str], *, now: float) -> bool:
    """Slack's v0 signature over the raw bytes (slack_sdk's verifier decodes them first, so a signed body
    that is not UTF-8 would read as unsigned), within Slack's 5-minute window."""
    timestamp, signature = headers.get("X-Slack-Request-Timestamp", ""), headers.get("X-Slack-Signature", "")
    if (
        not (timestamp.isascii() and timestamp.isdigit())
        or abs(now - int(timestamp)) > SIGNATURE_WINDOW_SECONDS
    ):
        return False
    expected = hmac.new(secret, b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={expected}".encode(), signature.encode("utf-8", "replace"))


def slack_endpoint(slack: AsyncApp):  # an aiohttp handler
    """One URL for the Events API, interactivity and the slash command (bolt tells them apart).

    Before bolt sees a request: its signature (401), then its shape (400, bot/platforms/slack/payloads.py),
    so a malformed body never reaches bolt's parser, a listener or a Redis key. This is the only check of
    the signature: the app is built with bolt's own turned off (bot/platforms/slack/app.py), and this
    handler is the only HTTP way into it."""
    secret = slack._signing_secret.encode()  # the secret bolt was built with

    async def handle(request: web.Request) -> web.Response:
        raw = await request.read()
        if not signed(secret, raw, request.headers, now=time.time()):
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            bolt_request = AsyncBoltRequest(
                body=raw.decode("utf-8"), query=request.query_string, headers=request.headers
            )  # type: ignore[arg-type]
        except Exception as err:  # bolt's parser: JSON, form, context extraction on any shape
            return web.json_response({"error": f"unreadable body ({type(err).__name__})"}, status=400)
        refused = screen(bolt_request.body)
        if refused is not None:
            if refused.status < 400:
                return web.Response(status=refused.status)
            return web.json_response({"error": refused.reason}, status=refused.status)
        return await to_aiohttp_response(await slack.async_dispatch(bolt_request))

    return handle


def health(rt: Runtime) -> tuple[int, dict[str, object]]:
    """Liveness: this process answers. Nothing outside it is consulted (Redis down is `/readyz`'s answer),
    so an orchestrator restarts the process only when the process itself is stuck."""
    return 200, {"status": "ok"}


def readiness(rt: Runtime) -> tuple[int, dict[str, object]]:
    """Readiness: Redis answers and worker configs are loaded; workers with a fresh heartbeat are reported."""
    configs = len(rt.workers)
    try:
        rt.redis.ping()
        workers: dict[str, int] | None = fresh_workers(rt)
        redis = "ok"
    except Exception as err:  # any failure is the answer
        workers, redis = None, f"error: {type(err).__name__}"
    ok = redis == "ok" and configs > 0
    return (200 if ok else 503), {
        "status": "ready" if ok else "not ready",
        "redis": redis,
        "configs": configs,
        "workers": workers,
    }


async def healthz(request: web.Request) -> web.Response:
    status, body = health(request.app[RUNTIME])
    return web.json_response(body, status=status)


async def readyz(request: web.Request) -> web.Response:
    status, body = await asyncio.to_thread(readiness, request.app[RUNTIME])
    return web.json_response(body, status=status)


@web.middleware
async def around(request: web.Request, handler) -> web.StreamResponse:  # the one aiohttp middleware
    """Around every request: a request_id on its lines (and on the work it spawns after its ack, and the
    jobs it enqueues; aiohttp runs each request in a task of its own, so the binding ends with it); its
    answer counted by route and code (5xx rate), and for Slack's and Teams' endpoints the ack latency and,
    when tracing is on, a span the work after the ack continues (bot/core/tracing.py). One middleware
    rather than three: each is a coroutine more around every ack."""
    log_context.bind(request_id=uuid.uuid4().hex[:16])
    resource = request.match_info.route.resource
    route = resource.canonical if resource is not None else "unmatched"  # bounded: no raw paths
    platform = ACKED.get(route)
    start, code = time.perf_counter(), 500
    try:
        if platform is not None and tracing.enabled():
            with tracing.span(f"{platform} ack", **{"http.route": route}):
                response = await handler(request)
        else:
            response = await handler(request)
        code = response.status
        return response
    except web.HTTPException as err:
        code = err.status
        raise
    finally:
        metrics.HTTP_REQUESTS.labels(route=route, code=str(code)).inc()
        if platform is not None:
            metrics.ACK_SECONDS.labels(platform=platform).observe(time.perf_counter() - start)


async def metrics_endpoint(request: web.Request) -> web.Response:
    collector = RedisCollector(request.app[RUNTIME])
    body = await asyncio.to_thread(metrics.exposition, collector)
    return web.Response(body=body, headers={"Content-Type": metrics.CONTENT_TYPE})


def create_app(
    rt: Runtime,
    *,
    slack: AsyncApp | None,
    slack_over_http: bool = True,
    routes: Iterable[web.AbstractRouteDef] = (),
) -> web.Application:
    """`slack_over_http=False` (Socket Mode): no /slack/events route, but the Slack app's background work
    is still drained when the server shuts down. `routes`: the other platforms' (Teams), already built."""
    app = web.Application(middlewares=[around])
    app[RUNTIME] = rt
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_endpoint)
    if slack is not None:
        if slack_over_http:
            app.router.add_post(SLACK_PATH, slack_endpoint(slack))

        async def finish_background_work(_: web.Application) -> None:
            await tasks_for(slack).drain()  # replies already acked to Slack still get posted

        # On cleanup, which aiohttp runs after the in-flight requests have finished (on_shutdown runs
        # before): the work those requests start after their ack is drained too.
        app.on_cleanup.append(finish_background_work)
    app.router.add_routes(routes)
    return app
