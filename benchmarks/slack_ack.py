"""Slack ack latency: missionbot's aiohttp app against a bare bolt AsyncApp that only acks, same run.

Fires signed `app_mention` (Events API, JSON) and `block_actions` (interactivity, form) requests at a
fixed rate over loopback and prints p50/p99 per target and the ratio to the bare floor. Each server
runs on its own event loop thread; the load generator on the main one. Outbound Web API calls go
to the local mock (tests/support/mock_slack_api.py). Needs a Redis (REDIS_URL, else 127.0.0.1:6379).
Every mention to missionbot makes a real mission and every click approves a fresh pending proposal;
the run stops without figures if any was refused.

    .venv/bin/python -m benchmarks.slack_ack [--rate 200] [--requests 1000] [--rounds 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import logging
import os
import re
import secrets
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import aiohttp
from aiohttp import web
from redis import Redis
from rq import SimpleWorker
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import app
from bot.app import default_messengers
from bot.commands import serve_app
from bot.core.models import Request
from bot.core.settings import Settings
from bot.missions.service import MissionService
from bot.platforms.slack.blockkit import ACTION_APPROVE
from tests.support.mock_slack_api import MockSlackApi
from tests.support.redis_server import cleanup
from tests.support.slack_signing import form_body, sign

SECRET, TOKEN = "bench-secret", "xoxb-bench"
CONFIGS = Path(__file__).resolve().parents[1] / "worker_configs"


class ServerThread:
    """An aiohttp app built and served on its own loop in a thread (bolt binds to the loop it runs on)."""

    def __init__(self, build: Callable[[], web.Application]) -> None:
        self.build, self.port, self._ready = build, 0, threading.Event()
        self._loop = asyncio.new_event_loop()
        threading.Thread(target=self._run, daemon=True).start()
        self._ready.wait(30)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            runner = web.AppRunner(self.build(), access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # the bound ephemeral port

        self._loop.run_until_complete(start())
        self._ready.set()
        self._loop.run_forever()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/slack/events"


def bare_app(api_url: str) -> web.Application:
    """The floor: bolt's defaults, handlers that only ack, served the same way."""
    bolt = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET)

    @bolt.event("app_mention")
    async def mention(ack) -> None:
        await ack()

    @bolt.action(re.compile(".*"))
    async def action(ack) -> None:
        await ack()

    async def handle(request: web.Request) -> web.Response:
        from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request

        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    return app


def mention_request(n: int) -> tuple[bytes, str]:
    event = {
        "type": "app_mention",
        "text": "<@UBOT> ESC-1042 please",
        "user": "U0AGENT",
        "channel": "C0SUPPORT",
        "ts": f"1700{n:06d}.000100",
        "event_ts": f"1700{n:06d}.000100",
    }
    body = {
        "type": "event_callback",
        "team_id": "T111",
        "api_app_id": "A111",
        "event": event,
        "event_id": f"Ev{uuid.uuid4().hex[:12]}",
        "event_time": 1700000000,
        "authorizations": [{"team_id": "T111", "user_id": "UBOT", "is_bot": True}],
    }
    return json.dumps(body).encode(), "application/json"


def click_request(proposal_id: str) -> tuple[bytes, str]:
    """An approver's Approve click (not the requester: four-eyes) on a pending proposal."""
    payload = {
        "type": "block_actions",
        "user": {"id": "U0OWNER1"},
        "api_app_id": "A111",
        "team": {"id": "T111"},
        "container": {"type": "message", "message_ts": "1.000100", "channel_id": "C0APPROVALS"},
        "channel": {"id": "C0APPROVALS"},
        "trigger_id": "1.1.x",
        "response_url": "http://127.0.0.1:9/x",
        "actions": [
            {
                "action_id": ACTION_APPROVE,
                "block_id": "mb_actions",
                "value": proposal_id,
                "type": "button",
                "action_ts": "1.1",
            }
        ],
    }
    return form_body(payload), "application/x-www-form-urlencoded"


async def fire(url: str, requests: list[tuple[bytes, str]], rate: float) -> list[float]:
    """Open loop: request i leaves at start + i/rate whatever the earlier ones are doing."""
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:

        async def one(at: float, body: bytes, content_type: str) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            headers = {"Content-Type": content_type, **sign(SECRET, body)}
            begin = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as answer:
                await answer.read()
                if answer.status != 200:
                    raise RuntimeError(f"{url} answered {answer.status}")
            latencies.append((time.perf_counter() - begin) * 1000)

        start = time.perf_counter() + 0.05
        await asyncio.gather(*(one(start + i / rate, b, ct) for i, (b, ct) in enumerate(requests)))
    return latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second, per kind")
    parser.add_argument("--requests", type=int, default=1000, help="requests per kind, per target, per round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (drift hits every target)")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object (the table goes to stderr)"
    )
    args = parser.parse_args()
    if not os.environ.get("MISSIONBOT_AUDIT_KEY"):  # the runtime (and any process it starts) needs one
        os.environ["MISSIONBOT_AUDIT_KEY"] = secrets.token_hex(32)
        print("slack_ack: using a throwaway audit key for this run", file=sys.stderr)
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        figures = measure(args)
    if args.json:
        print(json.dumps(figures))


def measure(args: argparse.Namespace) -> dict[str, object]:
    logging.basicConfig(level=logging.ERROR)  # bolt's and the Teams module's start-up notes are noise here

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    redis, prefix = Redis.from_url(redis_url), f"bench{uuid.uuid4().hex[:8]}"
    api = MockSlackApi()
    api.start()
    settings = Settings(
        REDIS_URL=redis_url,
        MISSIONBOT_KEY_PREFIX=prefix,
        MISSIONBOT_CONFIG_DIR=CONFIGS,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api.url,
    )
    rt = app.create_runtime(
        settings=settings, redis=redis, messengers=default_messengers(settings=settings, redis=redis)
    )
    app.install(rt)
    try:
        from bot.demo.helpdesk import HelpdeskBackend

        HelpdeskBackend(redis=redis, prefix=prefix, clock=rt.clock).seed()
        # Every mention must be a real mission: lift the hourly cap (120) that would turn most into refusals.
        for name, worker in rt.workers.items():
            rt.workers[name] = worker.model_copy(
                update={"limits": worker.limits.model_copy(update={"missions_per_hour": 1_000_000})}
            )
        mission = (
            MissionService(rt)
            .submit(
                Request(
                    platform="slack",
                    conversation="C0SUPPORT",
                    thread="1.1",
                    requester="U0AGENT",
                    text="ESC-1042 please",
                )
            )
            .mission
        )
        SimpleWorker([rt.missions_queue, rt.actions_queue], connection=redis).work(
            burst=True, logging_level=logging.ERROR
        )
        parked = rt.store.proposal(rt.store.mission(mission.id).proposals[0])
        fresh = itertools.count()

        def pending_proposal() -> str:
            """A fresh pending proposal per click, so each one is a real approval (decide: authorize,
            WATCH/MULTI, audit, card-sync and execution enqueues), not a refusal."""
            copy, _ = rt.store.create_proposal(
                parked.model_copy(update={"id": f"{parked.id}-b{next(fresh)}"})
            )
            return copy.id

        def missionbot(process_before_response: bool) -> Callable[[], web.Application]:
            return lambda: serve_app.server(
                rt,
                slack=serve_app.slack_app(
                    rt,
                    signing_secret=SECRET,
                    token=TOKEN,
                    api_url=api.url,
                    process_before_response=process_before_response,
                ),
            )

        targets = {
            "bare bolt (ack only)": ServerThread(lambda: bare_app(api.url)),
            "missionbot": ServerThread(missionbot(True)),
            "missionbot, bolt default runner": ServerThread(missionbot(False)),
        }
        kinds = {"app_mention": mention_request, "block_actions": lambda n: click_request(pending_proposal())}
        results: dict[tuple[str, str], list[float]] = {}
        for server in targets.values():  # warm up: auth.test, connection pools, imports
            for make in kinds.values():
                asyncio.run(fire(server.url, [make(i) for i in range(50)], args.rate))
        for _ in range(args.rounds):
            for kind, make in kinds.items():
                for name, server in targets.items():
                    batch = [make(i) for i in range(args.requests)]
                    results.setdefault((kind, name), []).extend(
                        asyncio.run(fire(server.url, batch, args.rate))
                    )

        sent = 2 * (50 + args.rounds * args.requests)  # per kind, to the two missionbot targets
        missions = len(rt.store.missions_of("support-triage")) - 1
        approved = sum(
            rt.store.proposal(f"{parked.id}-b{i}").status == "approved" for i in range(next(fresh))
        )
        print(
            f"\nreal work behind the missionbot acks: {missions} missions created of {sent} mentions, "
            f"{approved} approvals of {sent} clicks"
        )
        if (missions, approved) != (sent, sent):
            raise SystemExit("some requests were refused: the figures would not measure the real path")
        print(
            f"\nSlack ack latency, {args.rate:g} req/s open loop, {args.requests * args.rounds} requests "
            f"per cell, loopback ({os.cpu_count()} CPUs)\n"
        )
        print(f"{'request':<14} {'target':<33} {'p50 ms':>8} {'p99 ms':>8} {'p50 ×':>7} {'p99 ×':>7}")
        cells = []
        for kind in kinds:
            floor = results[(kind, "bare bolt (ack only)")]
            for name in targets:
                lat = results[(kind, name)]
                print(
                    f"{kind:<14} {name:<33} {pct(lat, 50):8.2f} {pct(lat, 99):8.2f} "
                    f"{pct(lat, 50) / pct(floor, 50):7.2f} {pct(lat, 99) / pct(floor, 99):7.2f}"
                )
                cells.append(
                    {
                        "request": kind,
                        "target": name,
                        "p50_ms": pct(lat, 50),
                        "p99_ms": pct(lat, 99),
                        "p50_x_floor": pct(lat, 50) / pct(floor, 50),
                        "p99_x_floor": pct(lat, 99) / pct(floor, 99),
                    }
                )
        return {
            "benchmark": "slack_ack",
            "rate": args.rate,
            "requests_per_cell": args.requests * args.rounds,
            "floor": "bare bolt (ack only)",
            "cells": cells,
            "goal_mention_p99_x_floor_max": 2.0,
            "goal_click_p99_x_floor_max": 2.0,
        }
    finally:
        app.install(None)
        api.stop()
        cleanup(redis, prefix)


if __name__ == "__main__":
    main()
