"""Redis stops under a running `worker`, `scheduler` and `serve` (a clean SHUTDOWN, then a SIGKILL): every
process waits it out and carries on, nothing acknowledged is lost, and every mission settles."""

from __future__ import annotations

import json
import signal
import time
import urllib.request
from collections.abc import Iterator

import pytest
from redis import Redis

from bot import app
from bot.core import runtime
from bot.core.models import Request
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService
from tests.conftest import CONFIGS
from tests.support import crashkit
from tests.support.fleet import Fleet, PrivateRedis, free_port, wait_for

OUTAGE = 5  # seconds the server stays down


@pytest.fixture
def private(tmp_path, prefix) -> Iterator[tuple[PrivateRedis, runtime.Runtime, Fleet]]:
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    redis = Redis.from_url(server.url)
    settings = Settings(REDIS_URL=server.url, MISSIONBOT_KEY_PREFIX=prefix, MISSIONBOT_CONFIG_DIR=CONFIGS)
    rt = app.create_runtime(settings=settings, redis=redis)
    HelpdeskBackend(redis=redis, prefix=prefix, clock=rt.clock).seed()
    app.install(rt)
    fleet = Fleet(
        redis_url=server.url, prefix=prefix, config_dir=crashkit.configs(tmp_path), logs=tmp_path / "logs"
    )
    yield server, rt, fleet
    for name in list(fleet.procs):
        fleet.kill(name)
    app.install(None)
    if server.proc and server.proc.poll() is None:
        server.kill()


def readyz(port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
            return json.loads(answer.read())
    except Exception:  # not ready (503) or not up yet
        return {}


def submit(rt: runtime.Runtime, n: int) -> list[str]:
    request = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    return [MissionService(rt).submit(request).mission.id for _ in range(n)]


def statuses(rt: runtime.Runtime, missions: list[str]) -> set[str]:
    return {rt.store.mission(m).status for m in missions}


def approve_all(rt: runtime.Runtime, missions: list[str]) -> None:
    for mission_id in missions:
        for pid in rt.store.mission(mission_id).proposals:
            if rt.store.proposal(pid).status == "pending":
                MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")


def outage(server: PrivateRedis, fleet: Fleet, *, kill: bool) -> None:
    server.kill() if kill else server.shutdown()
    time.sleep(OUTAGE)
    assert all(code is None for code in fleet.alive().values()), fleet.alive()
    server.start()


def test_every_process_rides_out_a_redis_restart_and_every_mission_settles(private):
    server, rt, fleet = private
    port = free_port()
    fleet.worker()
    fleet.scheduler()
    fleet.serve(port)
    wait_for(lambda: readyz(port).get("workers") == {"missions": 1, "actions": 1}, timeout=120, what="ready")

    first = submit(rt, 4)
    wait_for(lambda: statuses(rt, first) == {"awaiting_approval"}, timeout=120, what="first missions parked")
    approve_all(rt, first[:2])  # acknowledged decisions; their executions may be in flight at the stop
    outage(server, fleet, kill=False)
    wait_for(
        lambda: readyz(port).get("workers") == {"missions": 1, "actions": 1}, timeout=120, what="ready again"
    )
    approve_all(rt, first)
    wait_for(lambda: statuses(rt, first) == {"done"}, timeout=120, what="first missions done")

    second = submit(rt, 3)
    time.sleep(1.5)  # AOF everysec: what was acknowledged more than a second ago is on disk
    outage(server, fleet, kill=True)
    wait_for(
        lambda: statuses(rt, second) == {"awaiting_approval"}, timeout=120, what="second missions parked"
    )
    approve_all(rt, second)
    wait_for(lambda: statuses(rt, second) == {"done"}, timeout=120, what="second missions done")

    executed = HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()
    assert len(executed) == len(first) + len(second)  # each approval executed, once
    assert all(code is None for code in fleet.alive().values()), fleet.alive()
    # One line per outage and process (the two queue workers, and a work horse or RQ's scheduler process
    # caught in it), not one per reconnect attempt: RQ alone logs each retry, and its pubsub thread every 2 s.
    assert fleet.log("worker").count("Redis unreachable") <= 2 * 4, fleet.log("worker")
    assert fleet.log("scheduler").count("Redis unreachable") == 2, fleet.log("scheduler")
    codes = fleet.stop()  # SIGTERM: the worker and the scheduler stop cleanly
    assert (codes["worker"], codes["scheduler"]) == (0, 0) and codes["serve"] in {0, -15}


def test_serve_and_its_handling_process_ride_out_a_redis_restart(private, mock_slack_api, tmp_path):
    """`serve` acks, its child handles (bot/commands/serve_handling.py): Redis killed under both, neither
    exits nor is restarted, and a mention after the outage is one mission with one reply (the ack path's
    pooled connections died with Redis: a request on one is a 500, which Slack retries)."""
    from tests.bot.commands.test_serve_handling import delivered, mention, start_serve
    from tests.handlers.slack.harness import SlackHarness

    server, rt, fleet = private
    serve, port = start_serve(fleet, mock_slack_api, tmp_path)
    [child] = crashkit.descendants(serve.pid)
    harness = SlackHarness(client=None, slack=None, rt=rt, api=mock_slack_api)
    before = harness.mention("ESC-1042 please")
    assert mention(port, before) == 200
    wait_for(
        lambda: rt.store.mission_for_thread("slack", "C0SUPPORT", before["event"]["ts"]), timeout=60, what="1"
    )
    time.sleep(1.5)  # AOF everysec: the inbox's group is on disk
    outage(server, fleet, kill=True)
    wait_for(lambda: readyz(port).get("redis") == "ok", timeout=120, what="serve sees Redis again")
    after = harness.mention("ESC-1042 again")
    assert delivered(mention, port, after) <= 3
    thread = after["event"]["ts"]
    wait_for(lambda: rt.store.mission_for_thread("slack", "C0SUPPORT", thread), timeout=120, what="handled")
    wait_for(
        lambda: [
            c
            for c in mock_slack_api.calls_to("chat.postMessage", ok=True)
            if c.params.get("thread_ts") == thread
        ],
        timeout=60,
        what="its reply",
    )
    assert serve.poll() is None and crashkit.descendants(serve.pid) == [child]  # the same child, alive
    assert "exited" not in fleet.log("serve")
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=60) == 0
