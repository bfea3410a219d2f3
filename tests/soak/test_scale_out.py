"""Scale-out (marked `soak`; `.ci/run` runs it): 3 `serve`, 4 `worker` and 2 `scheduler` processes on one
Redis. MISSIONS mentions go as signed Slack requests spread round-robin across the serves, and every
proposal is approved by a signed click to the next serve. Every mission settles, each approved action
ran once (one helpdesk credit per executed proposal, no message posted twice), each cron job was enqueued
once per period between the two schedulers, and `missionbot audit verify` passes."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.support.crashkit import ROOT
from tests.support.fleet import Fleet, wait_for
from tests.support.scale_out import (
    Serves,
    cron_enqueues,
    missions_of,
    outcome,
    pending,
    roomy_configs,
    slack_env,
)

pytestmark = pytest.mark.soak

MISSIONS = int(os.environ.get("SCALE_OUT_MISSIONS", "500"))


def test_three_serves_four_workers_two_schedulers_settle_everything_once(
    rt, redis_url, prefix, tmp_path, mock_slack_api
):
    fleet = Fleet(
        redis_url=redis_url,
        prefix=prefix,
        config_dir=roomy_configs(tmp_path),
        logs=tmp_path / "logs",
        # The default grace: the fleet's 3 s would let the recovery sweep re-handle requests a loaded
        # serve is still handling (their "queued" reply then goes twice), which is not what this measures.
        extra={**slack_env(mock_slack_api), "MISSIONBOT_RECOVERY_GRACE": "30"},
    )
    try:
        started = time.time()
        for i in range(2):
            fleet.start(f"scheduler{i}", "scheduler")
        for i in range(4):
            fleet.start(f"worker{i}", "worker")
        serves = Serves(fleet=fleet, api=mock_slack_api, count=3)
        bodies = serves.mentions(["ESC-1042"] * MISSIONS)
        wait_for(lambda: all(missions_of(rt, bodies)), timeout=300, what="every mention made a mission")
        missions = [m for m in missions_of(rt, bodies) if m]
        assert len(set(missions)) == MISSIONS

        def settled() -> bool:
            waiting = pending(rt, missions)
            if waiting:
                serves.approve(waiting)
            return not any(rt.store.mission(m).is_open for m in missions)

        took = wait_for(settled, timeout=900, what="every mission settled", poll=2.0,
                        alive=lambda: all(code is None for code in fleet.alive().values()))  # fmt: skip
        ended = time.time()
        result = outcome(rt, missions, mock_slack_api)
        print(f"\nscale-out: {MISSIONS} missions settled {took:.0f} s after the last mention; {result}")
        assert result.unsettled == 0 and set(result.statuses) == {"done"}, result
        assert result.executed == MISSIONS and result.credits == MISSIONS, result  # each action once
        assert result.duplicate_posts == 0, result
        every = int(fleet.env()["MISSIONBOT_SWEEP_SECONDS"])  # what the schedulers run with
        for job, interval in (("sweep_recovery", every), ("sweep_escalations", 60)):
            runs = [t for t in cron_enqueues(rt, job) if started - 1 <= t <= ended + 1]
            # Two schedulers without the period key would enqueue about twice this.
            assert 1 <= len(runs) <= (ended - started) / interval + 2, (job, len(runs), ended - started)
        verify = subprocess.run(
            [sys.executable, "-m", "bot.cli", "audit", "verify"],
            cwd=ROOT, env=fleet.env(), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert verify.returncode == 0 and "audit chain intact" in verify.stdout, verify.stdout + verify.stderr
    finally:
        codes = fleet.stop()
    assert all(code == 0 for code in codes.values()), codes
