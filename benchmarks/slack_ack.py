"""Slack ack latency: missionbot's aiohttp app against a bare bolt AsyncApp that only acks, same run.

Fires signed `app_mention` (Events API, JSON) and `block_actions` (interactivity, form) requests at a
fixed rate over loopback and prints p50/p99 per target and the ratio to the bare floor. Each server runs
on its own event loop thread of this process (one at a time is loaded, so the process stands for one
`serve`'s serving process); missionbot as `serve` runs it by default hands the handling to a child
process (bot/commands/serve_handling.py, started here the same way), the in-process target handles in
threads of this process (MISSIONBOT_SERVE_HANDLING=inline). The load generator and the mock Web API
(tests/support/mock_slack_api.py), which stand for Slack, run in processes of their own. Needs a Redis
(REDIS_URL, else 127.0.0.1:6379). Every mention to missionbot makes a real mission and every click
approves a fresh pending proposal (after the ack, from the inbox: the run waits for each cell's
background work to finish before the next cell starts, so no target is measured under another's backlog);
the run stops without figures if any was refused. `--find-max` steps the mention rate up for bare bolt
and both missionbot targets and reports the highest rate with p99 under `--max-p99` ms. `--json` prints
one JSON object instead of the tables.

    .venv/bin/python -m benchmarks.slack_ack [--rate 200] [--requests 1000] [--rounds 2] [--json]
        [--mentions-only] [--no-inline]
    .venv/bin/python -m benchmarks.slack_ack --find-max [--rates 100,200,400,...] [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import json
import logging
import multiprocessing
import os
import re
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
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
from bot.commands.serve_cmd import ACK_SWITCH_INTERVAL
from bot.commands.serve_handling import Supervisor
from bot.core.models import Request
from bot.core.settings import Settings
from bot.missions.service import MissionService
from bot.platforms.slack.background import tasks_for
from bot.platforms.slack.blockkit import ACTION_APPROVE
from tests.support.mock_slack_api import MockSlackApi
from tests.support.redis_server import cleanup
from tests.support.slack_signing import form_body, sign

SECRET, TOKEN = "bench-secret", "xoxb-bench"
CONFIGS = Path(__file__).resolve().parents[1] / "worker_configs"


class ServerThread:
    """An aiohttp app built and served on its own loop in a thread (bolt binds to the loop it runs on)."""

    def __init__(self, build: Callable[[], web.Application], slack: list[AsyncApp] | None = None) -> None:
        self.build, self.port, self._ready = build, 0, threading.Event()
        self.slack = slack  # filled by `build` with missionbot's bolt app (None for the floor)
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

    def backlog(self) -> int:
        """Requests acked whose handling has not finished (inbox entries not done, read or not)."""
        return serve_app.inbox_of(self.slack[0]).backlog() if self.slack else 0

    def idle(self, timeout: float = 300.0) -> float:
        """Wait until everything acked has been handled and answered; returns the seconds it took."""
        start = time.perf_counter()
        while self.backlog() or (self.slack and len(tasks_for(self.slack[0]))):
            if time.perf_counter() - start > timeout:
                raise RuntimeError(f"{self.backlog()} requests still unhandled after {timeout:.0f} s")
            time.sleep(0.01)
        return time.perf_counter() - start


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


def _fire_in_child(url: str, requests: list[tuple[bytes, str]], rate: float) -> list[float]:
    return asyncio.run(fire(url, requests, rate))


def _mock_api(conn) -> None:  # noqa: ANN001 - a multiprocessing Connection
    """The mock Web API in a process of its own: Slack's CPU is not the server's."""
    api = MockSlackApi()
    api.start()
    conn.send(api.url)
    conn.recv()  # until told to stop
    api.stop()


class Slack:
    """Slack's side of the run, out of this process: the load generator and the mock Web API."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._mock = ctx.Process(target=_mock_api, args=(child,), daemon=True)
        self._mock.start()
        self.api_url: str = self._conn.recv()
        self._pool = ctx.Pool(1)

    def fire(self, url: str, requests: list[tuple[bytes, str]], rate: float) -> list[float]:
        return self._pool.apply(_fire_in_child, (url, requests, rate))

    def stop(self) -> None:
        self._pool.terminate()
        self._conn.send("stop")
        self._mock.join(10)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


FLOOR, MISSIONBOT, INLINE = "bare bolt (ack only)", "missionbot", "missionbot, in-process handling"


def find_max(
    targets: dict[str, ServerThread], rates: list[float], seconds: float, max_p99: float, slack: Slack, say
) -> dict[str, object]:
    """Mentions at each rate in turn (until p99 reaches `max_p99` or a request fails), per target; the
    backlog of handling left when the last ack went out, and how long it took to clear, with each step."""
    found: dict[str, object] = {}
    for name, server in targets.items():
        steps, best = [], None
        for rate in rates:
            batch = [mention_request(i) for i in range(int(rate * seconds))]
            try:
                lat = slack.fire(server.url, batch, rate)
                p50, p99 = pct(lat, 50), pct(lat, 99)
            except Exception as err:  # refused or timed out: not sustained
                p50 = p99 = float("inf")
                say(f"  {name} at {rate:g}/s: {type(err).__name__}: {err}")
            backlog = server.backlog()
            drained = server.idle()
            steps.append(
                {"rate": rate, "p50_ms": p50, "p99_ms": p99, "backlog": backlog, "drain_s": round(drained, 2)}
            )
            say(
                f"  {name:<22} {rate:7g}/s  p50 {p50:8.2f} ms  p99 {p99:8.2f} ms  "
                f"backlog at the end {backlog:5d} (cleared in {drained:.1f} s)"
            )
            if p99 >= max_p99:
                break
            best = rate
        found[name] = {"max_rate_p99_under_ms": max_p99, "max_rate": best, "steps": steps}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second, per kind")
    parser.add_argument("--requests", type=int, default=1000, help="requests per kind, per target, per round")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (drift hits every target)")
    parser.add_argument("--json", action="store_true", help="print one JSON object with figures and floors")
    parser.add_argument("--find-max", action="store_true", help="step the mention rate up (see --rates)")
    parser.add_argument("--rates", default="100,200,300,400,500,600,800,1000,1500,2000,3000,4000")
    parser.add_argument("--seconds", type=float, default=3.0, help="--find-max: seconds at each rate")
    parser.add_argument("--max-p99", type=float, default=50.0, help="--find-max: the p99 bound, ms")
    parser.add_argument(
        "--pause-handling",
        action="store_true",
        help="freeze the handling process while missionbot's requests come in (its acks alone; profiling)",
    )
    parser.add_argument("--mentions-only", action="store_true", help="no clicks (a quicker A/B)")
    parser.add_argument("--no-inline", action="store_true", help="without the in-process handling target")
    args = parser.parse_args()
    if not os.environ.get("MISSIONBOT_AUDIT_KEY"):  # the runtime (and any process it starts) needs one
        os.environ["MISSIONBOT_AUDIT_KEY"] = secrets.token_hex(32)
        print("slack_ack: using a throwaway audit key for this run", file=sys.stderr)
    logging.basicConfig(level=logging.ERROR)  # bolt's and the Teams module's start-up notes are noise here
    say = (lambda *a, **k: None) if args.json else print

    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    redis, prefix = Redis.from_url(redis_url), f"bench{uuid.uuid4().hex[:8]}"
    slack = Slack()
    configs = Path(tempfile.mkdtemp(prefix="slack-ack-configs-"))
    env = {
        "REDIS_URL": redis_url,
        "MISSIONBOT_KEY_PREFIX": prefix,
        "MISSIONBOT_CONFIG_DIR": str(unlimited_configs(configs)),
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
    }
    settings = Settings(**env)
    rt = app.create_runtime(
        settings=settings, redis=redis, messengers=default_messengers(settings=settings, redis=redis)
    )
    app.install(rt)
    # serve's handling process, as `missionbot serve` starts it (its settings from the environment).
    handling = Supervisor(env={**os.environ, **env, "MISSIONBOT_LOG_LEVEL": "WARNING"})
    try:
        from bot.demo.helpdesk import HelpdeskBackend

        HelpdeskBackend(redis=redis, prefix=prefix, clock=rt.clock).seed()
        handling.start()
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

        def missionbot(handle_here: bool, built: list[AsyncApp]) -> Callable[[], web.Application]:
            def build() -> web.Application:
                bolt = serve_app.slack_app(
                    rt, signing_secret=SECRET, token=TOKEN, api_url=slack.api_url, handle_here=handle_here
                )
                built.append(bolt)
                return serve_app.server(rt, slack=bolt)

            return build

        built: tuple[list[AsyncApp], list[AsyncApp]] = ([], [])
        targets = {
            FLOOR: ServerThread(lambda: bare_app(slack.api_url)),
            MISSIONBOT: ServerThread(missionbot(False, built[0]), built[0]),
        }
        if not args.no_inline:
            targets[INLINE] = ServerThread(missionbot(True, built[1]), built[1])
        kinds = {"app_mention": mention_request, "block_actions": lambda n: click_request(pending_proposal())}
        if args.mentions_only:
            del kinds["block_actions"]
        for server in targets.values():  # warm up: auth.test, connection pools, imports
            for make in kinds.values():
                slack.fire(server.url, [make(i) for i in range(50)], args.rate)
            server.idle()
        gc.freeze()  # as `missionbot serve` does once it is up: start-up objects leave the GC's scans
        sys.setswitchinterval(ACK_SWITCH_INTERVAL)  # as serve does too (bot/commands/serve_cmd.py)
        report: dict[str, object] = {
            "benchmark": "slack_ack",
            "cpus": os.cpu_count(),
            "loadavg_before": os.getloadavg(),
        }
        if args.find_max:
            rates = [float(r) for r in args.rates.split(",")]
            say(f"\nHighest mention rate with p99 < {args.max_p99:g} ms, {args.seconds:g} s per step:\n")
            report["find_max"] = find_max(targets, rates, args.seconds, args.max_p99, slack, say)
        else:
            report.update(measure(args, targets, kinds, say, slack, handling))
            # Per kind, to each missionbot target.
            sent = (len(targets) - 1) * (50 + args.rounds * args.requests)
            clicks = sent if "block_actions" in kinds else 0
            missions = len(rt.store.missions_of("support-triage")) - 1
            approved = sum(
                rt.store.proposal(f"{parked.id}-b{i}").status == "approved" for i in range(next(fresh))
            )
            say(
                f"\nreal work behind the missionbot acks: {missions} missions created of {sent} mentions, "
                f"{approved} approvals of {clicks} clicks"
            )
            report["work"] = {"mentions": sent, "missions": missions, "clicks": clicks, "approvals": approved}
            if (missions, approved) != (sent, clicks):
                raise SystemExit("some requests were refused: the figures would not measure the real path")
        report["loadavg_after"] = os.getloadavg()
        if args.json:
            print(json.dumps(report))
    finally:
        handling.stop()
        app.install(None)
        slack.stop()
        cleanup(redis, prefix)
        shutil.rmtree(configs, ignore_errors=True)


def unlimited_configs(folder: Path) -> Path:
    """The example workers with the hourly cap (120) lifted: every mention must be a real mission, not a
    refusal, in this process and in the handling child alike."""
    shutil.copytree(CONFIGS, folder, dirs_exist_ok=True)
    for path in folder.glob("*.yml"):
        path.write_text(re.sub(r"missions_per_hour: \d+", "missions_per_hour: 1000000", path.read_text()))
    return folder


def cpu_seconds(pid: int | None) -> float:
    """A process's user + system CPU so far (the handling child's; 0 without one)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(args, targets: dict[str, ServerThread], kinds, say, slack: Slack, handling) -> dict[str, object]:
    """Alternating rounds of each kind at each target; each cell starts once the previous one's
    handling has finished."""
    results: dict[tuple[str, str], list[float]] = {}
    cpu: dict[tuple[str, str], float] = {}  # this (the serving) process's CPU seconds
    child: dict[tuple[str, str], float] = {}  # the handling process's
    for _ in range(args.rounds):
        for kind, make in kinds.items():
            for name, server in targets.items():
                batch = [make(i) for i in range(args.requests)]
                begin, child_begin = time.process_time(), cpu_seconds(handling.proc.pid)
                paused = args.pause_handling and name == MISSIONBOT
                if paused:  # the ack path alone: the handling child frozen while the requests come in
                    os.kill(handling.proc.pid, signal.SIGSTOP)
                try:
                    results.setdefault((kind, name), []).extend(slack.fire(server.url, batch, args.rate))
                finally:
                    if paused:
                        os.kill(handling.proc.pid, signal.SIGCONT)
                server.idle()
                cpu[(kind, name)] = cpu.get((kind, name), 0.0) + time.process_time() - begin
                spent = cpu_seconds(handling.proc.pid) - child_begin
                child[(kind, name)] = child.get((kind, name), 0.0) + spent
    say(
        f"\nSlack ack latency, {args.rate:g} req/s open loop, {args.requests * args.rounds} requests "
        f"per cell, loopback ({os.cpu_count()} CPUs)\n"
    )
    say(
        f"{'request':<14} {'target':<33} {'p50 ms':>8} {'p99 ms':>8} {'p50 ×':>7} {'p99 ×':>7} {'CPU ms':>7} "
        f"{'child':>6}"
    )
    cells = []
    for kind in kinds:
        floor = results[(kind, FLOOR)]
        for name in targets:
            lat = results[(kind, name)]
            cell = {
                "kind": kind,
                "target": name,
                "p50_ms": round(pct(lat, 50), 3),
                "p99_ms": round(pct(lat, 99), 3),
                "p50_x_floor": round(pct(lat, 50) / pct(floor, 50), 3),
                "p99_x_floor": round(pct(lat, 99) / pct(floor, 99), 3),
                "cpu_ms_per_request": round(cpu[(kind, name)] * 1000 / len(lat), 3),
                "handler_cpu_ms_per_request": round(child[(kind, name)] * 1000 / len(lat), 3),
            }
            cells.append(cell)
            say(
                f"{kind:<14} {name:<33} {cell['p50_ms']:8.2f} {cell['p99_ms']:8.2f} "
                f"{cell['p50_x_floor']:7.2f} {cell['p99_x_floor']:7.2f} {cell['cpu_ms_per_request']:7.2f} "
                f"{cell['handler_cpu_ms_per_request']:6.2f}"
            )
    return {"rate": args.rate, "requests_per_cell": args.requests * args.rounds, "cells": cells}


if __name__ == "__main__":
    main()
