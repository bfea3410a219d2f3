"""A real Sentinel failover under a running runtime (README "Redis Sentinel"): a redis-server primary, one
replica and three Sentinels on loopback; missions run and a decision is made over the
`redis+sentinel://` URL, the primary is SIGKILLed, Sentinel promotes the replica, and the SAME runtime
objects carry on: new missions run on a real `missionbot worker --burst`, the earlier decision is still
there, nothing ran twice, `audit verify` passes. Prints the pause a request saw during the promotion."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import app
from bot.core.models import Request
from bot.core.redis_client import redis_from_url
from bot.core.runtime import Runtime
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService
from jobs.actions import execute_proposal
from tests.conftest import CONFIGS, ROOT
from tests.support.fleet import wait_for
from tests.support.redis_server import drain
from tests.support.sentinel_cluster import MASTER, answers, sentinel_cluster

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not on PATH")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[dict]:
    with sentinel_cluster(tmp_path) as found:
        yield found


def _cli(url: str, prefix: str, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "REDIS_URL": url,
        "MISSIONBOT_KEY_PREFIX": prefix,
        "MISSIONBOT_CONFIG_DIR": str(CONFIGS),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def _submit(rt: Runtime, n: int) -> list[str]:
    request = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    return [MissionService(rt).submit(request).mission.id for _ in range(n)]


def _pending(rt: Runtime, missions: list[str]) -> list[str]:
    return [
        p for m in missions for p in rt.store.mission(m).proposals if rt.store.proposal(p).status == "pending"
    ]


def test_a_sentinel_failover_loses_nothing_and_the_same_runtime_carries_on(
    cluster, tmp_path: Path, prefix: str
):
    url = cluster["url"]
    settings = Settings(REDIS_URL=url, MISSIONBOT_KEY_PREFIX=prefix, MISSIONBOT_CONFIG_DIR=CONFIGS)
    rt = app.create_runtime(settings=settings, redis=redis_from_url(url))
    app.install(rt)
    try:
        assert rt.redis.connection_pool.get_master_address() == ("127.0.0.1", cluster["primary"])
        helpdesk = HelpdeskBackend(redis=rt.redis, prefix=prefix, clock=rt.clock)
        helpdesk.seed()
        before = _submit(rt, 2)
        drain(rt)
        [decided, other] = [_pending(rt, [m]) for m in before]
        assert len(decided) == len(other) == 1
        MissionService(rt).decide(decided[0], actor="U0OWNER1", approve=True, platform="console")
        drain(rt)
        assert rt.store.proposal(decided[0]).status == "executed" and len(helpdesk.credits()) == 1
        # `decide` waited for the replica (bot/core/replication.py); the execution after it did not.
        assert rt.redis.wait(1, 5000) == 1

        # The pause a request saw: from the kill, the same client keeps reading the decided proposal (in a
        # thread, while this one watches Sentinel) until one read answers.
        answered: list[float] = []
        errors: list[int] = [0]

        def probe() -> None:
            while answers(lambda: rt.store.proposal(decided[0])) is None:
                errors[0] += 1
                time.sleep(0.05)
            answered.append(time.monotonic() - killed)

        prober = threading.Thread(target=probe, daemon=True)
        cluster["procs"]["primary"].kill()  # SIGKILL
        killed = time.monotonic()
        prober.start()
        promoted = wait_for(
            lambda: (
                answers(lambda: cluster["sentinels"][0].sentinel_get_master_addr_by_name(MASTER))
                == (b"127.0.0.1", cluster["replica"])
            ),
            timeout=20,
            what="replica promoted",
            poll=0.05,
        )
        prober.join(timeout=20)
        [pause] = answered
        print(
            f"\nsentinel failover: promoted after {promoted:.2f} s; a request paused {pause:.2f} s "
            f"({errors[0]} failed attempts before it answered)"
        )
        assert rt.store.proposal(decided[0]).status == "executed"  # the acknowledged decision survived

        # Same runtime, no restart: new missions, run by a real worker process on the Sentinel URL.
        after = _submit(rt, 2)
        worker = _cli(url, prefix, "worker", "--burst", "--simple")
        assert worker.returncode == 0, worker.stderr[-2000:]
        pending = _pending(rt, after) + other  # the one left undecided before the failover, too
        assert len(pending) == 3
        for pid in pending:
            MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
        for _ in range(3):  # a burst ends when the queues are empty for a moment: follow-ups may trail
            worker = _cli(url, prefix, "worker", "--burst")  # forked work-horses and RQ's scheduler too
            assert worker.returncode == 0, worker.stderr[-2000:]
            if {rt.store.mission(m).status for m in before + after} == {"done"}:
                break
        assert {rt.store.mission(m).status for m in before + after} == {"done"}
        execute_proposal(decided[0])  # a repeated job does nothing more: still one credit for it
        assert len(helpdesk.credits()) == 4  # each approval executed, once
        verify = _cli(url, prefix, "audit", "verify")
        assert verify.returncode == 0 and "audit chain intact" in verify.stdout, verify.stdout + verify.stderr
    finally:
        app.install(None)
