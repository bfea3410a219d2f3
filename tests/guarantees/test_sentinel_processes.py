"""Running processes carry on through a Sentinel promotion (README "Redis Sentinel"): `serve` (Slack, signed
requests, the mock Web API), a `worker` and the `scheduler` run as real processes on the
`redis+sentinel://` URL while missions flow; the primary is SIGKILLed. None of them is restarted: each is
the same process at the end. Every request and click that was acked (HTTP 200) has its mission and its
decision, every mission is done, each approval ran once, `audit verify` passes. Prints the failover pause
a Slack request saw (from the kill, a mention retried as Slack retries, until it is acked)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.error
from pathlib import Path

import pytest

from bot import app
from bot.core.redis_client import redis_from_url
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from tests.support.crashkit import ROOT
from tests.support.fleet import Fleet, wait_for
from tests.support.scale_out import Serves, missions_of, outcome, pending, roomy_configs, slack_env
from tests.support.sentinel_cluster import MASTER, answers, sentinel_cluster

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not on PATH")


@pytest.fixture
def cluster(tmp_path: Path):
    with sentinel_cluster(tmp_path / "redis") as found:
        yield found


def acked(serves: Serves, body: dict) -> float:
    """Send a mention until it is acked (Slack retries a request that failed); seconds it took."""
    raw, start = json.dumps(body).encode(), time.monotonic()
    while True:
        try:
            if serves.post(raw, "application/json") == 200:
                return time.monotonic() - start
        except (urllib.error.URLError, OSError):
            pass  # a 5xx (HTTPError is a URLError) or a reset: not acked, so Slack sends it again
        assert time.monotonic() - start < 60, "no ack within 60 s of the failover"
        time.sleep(0.05)


def test_serve_worker_and_scheduler_ride_out_a_promotion(cluster, tmp_path: Path, prefix, mock_slack_api):
    url = cluster["url"]
    settings = Settings(
        REDIS_URL=url, MISSIONBOT_KEY_PREFIX=prefix, MISSIONBOT_CONFIG_DIR=roomy_configs(tmp_path)
    )
    rt = app.create_runtime(settings=settings, redis=redis_from_url(url))
    HelpdeskBackend(redis=rt.redis, prefix=prefix, clock=rt.clock).seed()
    fleet = Fleet(redis_url=url, prefix=prefix, config_dir=settings.config_dir, logs=tmp_path / "logs",
                  extra={**slack_env(mock_slack_api), "MISSIONBOT_RECOVERY_GRACE": "10"})  # fmt: skip
    try:
        fleet.scheduler()
        fleet.worker()
        serves = Serves(fleet=fleet, api=mock_slack_api, count=1)
        pids = {name: proc.pid for name, proc in fleet.procs.items()}
        bodies = serves.mentions(["ESC-1042"] * 4)
        wait_for(lambda: len(pending(rt, [m for m in missions_of(rt, bodies) if m])) == 4, timeout=120,
                 what="four proposals before the kill")  # fmt: skip
        before = missions_of(rt, bodies)
        serves.approve(pending(rt, before[:2]))  # two decided and running as the primary dies

        cluster["procs"]["primary"].kill()  # SIGKILL
        body = serves.harness.mention("ESC-1042")
        pause = acked(serves, body)
        wait_for(lambda: answers(lambda: cluster["sentinels"][0].sentinel_get_master_addr_by_name(MASTER))
                 == (b"127.0.0.1", cluster["replica"]), timeout=30, what="replica promoted")  # fmt: skip
        print(f"\nsentinel promotion, processes running: a Slack request acked {pause:.2f} s after the kill")
        bodies += [body, *serves.mentions(["ESC-1042"] * 2)]

        def settled() -> bool:
            missions = missions_of(rt, bodies)
            if None in missions:
                return False
            serves.approve(pending(rt, missions))  # the two left before the kill, and the new ones
            return not any(rt.store.mission(m).is_open for m in missions)

        wait_for(settled, timeout=180, what="every mission done after the promotion", poll=1.0,
                 alive=lambda: all(code is None for code in fleet.alive().values()))  # fmt: skip
        assert {name: proc.pid for name, proc in fleet.procs.items()} == pids  # no process was restarted
        result = outcome(rt, missions_of(rt, bodies), mock_slack_api)
        assert set(result.statuses) == {"done"} and result.missions == 7, result
        assert result.executed == result.credits == 7 and result.duplicate_posts == 0, result
        argv = [sys.executable, "-m", "bot.cli", "audit", "verify"]
        verify = subprocess.run(argv, cwd=ROOT, env=fleet.env(), capture_output=True, text=True, timeout=120)
        assert verify.returncode == 0 and "audit chain intact" in verify.stdout, verify.stdout + verify.stderr
    finally:
        codes = fleet.stop()
    assert all(code == 0 for code in codes.values()), codes
