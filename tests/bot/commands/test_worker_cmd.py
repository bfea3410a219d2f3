"""`missionbot worker`'s own process: what it prepares before RQ forks a work horse per job.

The supervisor, its restarts and signals: tests/jobs/test_worker_supervisor.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_warm_loads_every_job_function_so_a_forked_horse_imports_none():
    """RQ imports a job's module in the horse that runs it: without this, every forked horse imported
    (and, without bytecode, compiled) the mission loop again. Run in a fresh interpreter, so what other
    tests loaded does not count."""
    script = (
        "import sys, json, types; from bot.commands import worker_cmd; before = set(sys.modules); "
        "worker_cmd.warm(types.SimpleNamespace(workers={})); "
        "print(json.dumps(sorted(set(sys.modules) - before)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(json.loads(done.stdout))
    assert {"jobs.missions", "jobs.actions", "jobs.sweeps", "bot.missions.runner"} <= loaded
    assert not any(m.startswith("langchain") for m in loaded)  # no LLM stack for a playbook worker
