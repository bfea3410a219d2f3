"""A decision (and a Slack request or click in the inbox) is on a replica before its ack, when the primary
has one (bot/core/replication.py). A real primary and replica on loopback; the replica is stopped
(SIGSTOP) across the write: the call returns only after the replica was let go on (SIGCONT)."""

from __future__ import annotations

import asyncio
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from bot import app
from bot.core.inbox import Inbox
from bot.core.models import Request
from bot.core.replication import Replicas
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService
from tests.conftest import CONFIGS
from tests.support.redis_server import drain
from tests.support.sentinel_cluster import primary_and_replica

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not on PATH")
PAUSE = 0.5  # seconds the replica is stopped: far longer than a decision takes without WAIT


@pytest.fixture
def pair(tmp_path: Path):
    with primary_and_replica(tmp_path) as found:
        yield found, Redis(port=found["primary"]), Redis(port=found["replica"])


def returns_after_the_replica_resumes(replica: subprocess.Popen, call) -> object:
    """Run `call` while the replica is stopped; assert it returned only after the replica went on."""
    done: list[tuple[float, object]] = []
    replica.send_signal(signal.SIGSTOP)
    try:

        def run() -> None:
            result = call()
            done.append((time.monotonic(), result))

        runner = threading.Thread(target=run)
        runner.start()
        time.sleep(PAUSE)
        resumed = time.monotonic()
    finally:
        replica.send_signal(signal.SIGCONT)
    runner.join(timeout=60)
    [(returned, result)] = done
    assert returned > resumed, "returned while the replica was stopped: it did not wait for it"
    return result


def test_without_a_replica_nothing_but_info_is_sent_and_the_count_is_cached(redis, prefix):
    replicas = Replicas(clock=lambda: 100.0)
    answered = replicas.confirm(redis, prefix=prefix)
    assert replicas.checked == 100.0 and replicas.count == redis.info("replication")["connected_slaves"]
    if replicas.count == 0:  # the shared test Redis has no replica
        assert answered is None and not redis.exists(f"{prefix}:replication:probe")


def test_a_replica_that_connects_is_seen_at_the_next_refresh(tmp_path: Path, pair):
    _, primary, _ = pair
    clock = [0.0]
    replicas = Replicas(clock=lambda: clock[0], refresh=5)
    replicas.count, replicas.checked = 0, 0.0  # as if read before the replica connected
    clock[0] = 4.9
    assert replicas.confirm(primary, prefix="x") is None  # cached: still no replica, no WAIT sent
    clock[0] = 5.0
    assert replicas.confirm(primary, prefix="x") == 1


def test_a_decision_is_on_the_replica_when_decide_returns(pair, prefix):
    ports, primary, replica = pair
    url = f"redis://127.0.0.1:{ports['primary']}/0"
    settings = Settings(REDIS_URL=url, MISSIONBOT_KEY_PREFIX=prefix, MISSIONBOT_CONFIG_DIR=CONFIGS)
    rt = app.create_runtime(settings=settings, redis=primary)
    app.install(rt)
    try:
        HelpdeskBackend(redis=primary, prefix=prefix, clock=rt.clock).seed()
        request = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
        mission = MissionService(rt).submit(request).mission.id
        drain(rt)
        [proposal] = rt.store.mission(mission).proposals
        rt.replicas = Replicas(timeout_ms=30_000)  # the pause, not the timeout, decides when it returns
        decide = MissionService(rt).decide
        returns_after_the_replica_resumes(
            ports["procs"]["replica"],
            lambda: decide(proposal, actor="U0OWNER1", approve=True, platform="console"),
        )
        assert rt.store.proposal(proposal).status in {"approved", "executed"}
    finally:
        app.install(None)


def test_an_inbox_entry_is_on_the_replica_when_append_returns(pair, prefix):
    ports, _, replica = pair

    async def append() -> str:
        aredis = AsyncRedis(port=ports["primary"])
        inbox = Inbox(redis=Redis(port=ports["primary"]), prefix=prefix, aredis=aredis)
        inbox.replicas = Replicas(timeout_ms=30_000)
        try:
            return (await inbox.append("click", {"proposal": "P-1"})).id
        finally:
            await aredis.aclose()

    entry = returns_after_the_replica_resumes(ports["procs"]["replica"], lambda: asyncio.run(append()))
    found = replica.xrange(f"{prefix}:inbox", entry, entry)
    assert [(i.decode(), f[b"proposal"]) for i, f in found] == [(entry, b"P-1")]


def test_a_replica_too_slow_is_logged_and_the_ack_goes_on(pair, caplog):
    ports, primary, _ = pair
    replicas = Replicas(timeout_ms=100)
    ports["procs"]["replica"].send_signal(signal.SIGSTOP)
    try:
        assert replicas.confirm(primary, prefix="x") == 0
    finally:
        ports["procs"]["replica"].send_signal(signal.SIGCONT)
    assert "no replica confirmed the write within 100 ms" in caplog.text
    assert replicas.checked is None  # asked again next time
