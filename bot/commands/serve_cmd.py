"""`missionbot serve`: the aiohttp server (Slack over HTTP, /healthz, Teams), or Slack over Socket Mode."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import signal
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.commands.common import add_insecure_audit_key_flag, process_runtime
from bot.commands.serve_handling import Supervisor
from bot.core import log_format, runtime
from bot.core.settings import Settings
from bot.missions.service import MissionService

if TYPE_CHECKING:  # bolt and aiohttp load only when serving, not for every `missionbot` command
    from aiohttp import web

    from bot.platforms.slack.app import AsyncSocketModeHandler  # the adapter's, under its TYPE_CHECKING too

log = logging.getLogger(__name__)


# In-process handling (and the background replies) run in threads beside the event loop that acks: a thread
# holds the GIL up to this long before the loop may take it back (Python's default, 5 ms, shows in the tail).
ACK_SWITCH_INTERVAL = 0.0005
HANDLING_START_DELAY = 1.0  # seconds after the listener is up


class MissingSetting(Exception):
    pass


@dataclass(frozen=True, kw_only=True)
class Served:
    web: web.Application
    socket_mode: AsyncSocketModeHandler | None  # Slack over a websocket instead of POST /slack/events


def _secret(value: object, name: str, why: str) -> str:
    if value is None:
        raise MissingSetting(f"missionbot serve: {name} is not set ({why}).")
    return value.get_secret_value()  # type: ignore[attr-defined]


def build(rt: runtime.Runtime, *, socket_mode: bool = False, handle_here: bool = True) -> Served:
    """The server for these settings; Socket Mode when asked for or when SLACK_APP_TOKEN is set.
    Must run inside the event loop that will serve (aiohttp clients bind to it). `handle_here=False`:
    the Slack listeners leave what they accept to the handling process (bot/commands/serve_handling.py)."""
    # Loaded on use: only `serve` needs the web, Slack and Teams stacks;
    # the other commands start without them.
    from bot.commands.serve_app import server, slack_app
    from bot.platforms.slack.app import socket_mode_handler

    settings = rt.settings
    service = MissionService(rt)  # one way in for every surface this process serves
    socket_mode = socket_mode or settings.slack_app_token is not None
    if socket_mode:
        app_token = _secret(settings.slack_app_token, "SLACK_APP_TOKEN", "Socket Mode needs an xapp- token")
        token = _secret(settings.slack_bot_token, "SLACK_BOT_TOKEN", "the app posts as its bot user")
        signing = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
        slack = slack_app(rt, signing_secret=signing, token=token, service=service, handle_here=handle_here)
        # Same listeners over the websocket;
        # HTTP keeps /healthz (and Teams) and drains Slack's background work.
        return Served(
            web=server(rt, slack=slack, slack_over_http=False, service=service),
            socket_mode=socket_mode_handler(slack, app_token),
        )
    if settings.slack_signing_secret is None and settings.slack_bot_token is None:
        if not (settings.microsoft_app_id or rt.teams_dev_anonymous):
            raise MissingSetting(
                "missionbot serve: nothing to serve: set SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN "
                "for Slack, MICROSOFT_APP_ID for Teams (or --teams-dev-anonymous locally)."
            )
        log.warning("Slack is not configured (no SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN): serving Teams only")
        return Served(web=server(rt, slack=None, service=service), socket_mode=None)
    signing = _secret(
        settings.slack_signing_secret, "SLACK_SIGNING_SECRET", "every request is verified with it"
    )
    token = _secret(settings.slack_bot_token, "SLACK_BOT_TOKEN", "the app posts as its bot user")
    slack = slack_app(rt, signing_secret=signing, token=token, service=service, handle_here=handle_here)
    return Served(web=server(rt, slack=slack, service=service), socket_mode=None)


LOOPBACK = "127.0.0.1"


def bind_host(host: str | None, *, dev_anonymous: bool) -> str | None:
    """`--host` if given; else loopback under --teams-dev-anonymous (anyone who reaches it can act as any
    user), all interfaces (None) otherwise."""
    if host:
        return host
    return LOOPBACK if dev_anonymous else None


def served_routes(served: Served) -> list[str]:
    """What this server answers, as the start-up log says it: only the routes it has, plus Socket Mode."""
    seen = [
        f"{route.method} {route.resource.canonical}"
        for route in served.web.router.routes()
        if route.method != "HEAD" and route.resource is not None
    ]
    return [*dict.fromkeys(seen), *(["Slack over Socket Mode"] if served.socket_mode else [])]


def where(host: str | None, port: int) -> str:
    return f"all interfaces, port {port}" if host is None else f"{host}:{port}"


async def serve(
    rt: runtime.Runtime,
    *,
    socket_mode: bool,
    port: int,
    host: str | None = None,
    handling: Supervisor | None = None,
) -> None:
    """`handling`: the handling process's supervisor (None: in-process handling), started once this process
    listens and stopped once it has stopped accepting and answered the requests in flight."""
    from aiohttp import web

    served = build(rt, socket_mode=socket_mode, handle_here=handling is None)
    runner = web.AppRunner(served.web)
    await runner.setup()
    await web.TCPSite(runner, host=host, port=port).start()
    # Everything imported and built so far lives as long as the process: out of the collector's scans, so
    # a full collection under load pauses the acks for milliseconds, not the ~100 ms a scan of it costs.
    gc.freeze()
    sys.setswitchinterval(ACK_SWITCH_INTERVAL)
    # The child's start-up (a second of CPU) waits until this process answers: what is acked meanwhile waits,
    # durable, in the inbox.
    started = (
        asyncio.get_running_loop().call_later(HANDLING_START_DELAY, handling.start) if handling else None
    )
    log.info("serving on %s: %s", where(host, port), ", ".join(served_routes(served)))
    if rt.teams_dev_anonymous and host not in {LOOPBACK, "localhost", "::1"}:
        log.warning(
            "--teams-dev-anonymous on %s: anyone who can reach it can act as any user", where(host, port)
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        if served.socket_mode is not None:
            await served.socket_mode.connect_async()
        await stop.wait()
        log.info("stopping: no new connections; finishing the requests and the work after their acks")
    finally:
        # A graceful stop: the cleanup closes the listening socket, waits for the requests in flight,
        # then drains the work they started after their ack (bot/platforms/server.py).
        if served.socket_mode is not None:
            await served.socket_mode.close_async()
        await runner.cleanup()
        if handling is not None and started is not None:  # nothing new reaches the inbox now
            started.cancel()
            if handling.proc is None:  # stopped within the delay: the child still handles what was acked
                handling.start()
            await asyncio.to_thread(handling.stop)
        log.info("stopped")


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    log_format.configure(fmt=settings.log_format, role="serve", level=settings.log_level)
    rt = process_runtime(settings, "serve", insecure_audit_key=args.insecure_audit_key)
    rt.teams_dev_anonymous = args.teams_dev_anonymous  # read by serve_app.teams_routes (teams_guard)
    try:
        host = bind_host(args.host, dev_anonymous=args.teams_dev_anonymous)
        in_process = (args.handling or settings.serve_handling) == "inline"
        handling = None if in_process else Supervisor(insecure_audit_key=args.insecure_audit_key)
        port = args.port or settings.port
        asyncio.run(serve(rt, socket_mode=args.socket_mode, port=port, host=host, handling=handling))
    except MissingSetting as err:
        print(err, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="Slack (HTTP or Socket Mode), Teams and /healthz on aiohttp")
    p.add_argument(
        "--socket-mode", action="store_true", help="Slack over Socket Mode (needs SLACK_APP_TOKEN)"
    )
    p.add_argument("--port", type=int, default=None, help="HTTP port (default: PORT, else 3000)")
    p.add_argument(
        "--host",
        default=None,
        help="interface to listen on (default: 127.0.0.1 with --teams-dev-anonymous, else all interfaces)",
    )
    p.add_argument(
        "--teams-dev-anonymous",
        action="store_true",
        help="serve Teams WITHOUT authentication when MICROSOFT_APP_ID is unset (local development only)",
    )
    p.add_argument(
        "--handling",
        choices=["process", "inline"],
        default=None,
        help="where accepted requests are handled: a child process of serve's own, so the acks never wait "
        "for it (default), or threads of the serving process (MISSIONBOT_SERVE_HANDLING)",
    )
    add_insecure_audit_key_flag(p)
    p.set_defaults(func=run)
