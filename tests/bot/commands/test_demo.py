"""`missionbot demo --script` plays the whole story on an embedded Redis and exits 0 only if it held."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_demo_script_runs_the_story_on_embedded_redis(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "MISSIONBOT_KEY_PREFIX"}}
    env["MISSIONBOT_CONFIG_DIR"] = str(ROOT / "worker_configs")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo", "--script"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for step in (
        "Trigger",
        "Gather",
        "propose",
        "Approve and act",
        "Verdict",
        "auto-approved",
        "still waits",
        "forbidden",
        "Kill switch",
        "audit verify passes",
    ):
        assert step in done.stdout, step
    assert "✘" not in done.stdout


def test_worker_refuses_to_start_without_redis_url():
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "worker", "--burst"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert done.returncode == 2 and "REDIS_URL is not set" in done.stderr
