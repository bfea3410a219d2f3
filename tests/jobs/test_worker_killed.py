"""A worker SIGKILLed mid-mission loses nothing and duplicates nothing once RQ retries the job.

The worker reaches the helpdesk over MCP (stdio); tests/support/crashkit.py makes that server block in
one call, so the worker dies while the call is in flight (before it, or after the side effect).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from rq.registry import StartedJobRegistry

from bot.demo.helpdesk import HelpdeskBackend
from bot.models import Request
from bot.service import MissionService
from bot.surfaces.console import ConsoleMessenger

ROOT = Path(__file__).resolve().parents[2]


def start_blocking_worker(method: str, *, after: bool = False) -> subprocess.Popen:
    env = {**os.environ, "CRASHKIT_AFTER": "1" if after else "0"}
    return subprocess.Popen([sys.executable, "-m", "tests.support.crashkit", "worker", method], cwd=ROOT, env=env,
                            start_new_session=True)


def kill_when_entered(rt, worker: subprocess.Popen, method: str) -> None:
    key = f"{rt.settings.key_prefix}:helpdesk:crashkit:entered"
    deadline = time.monotonic() + 60
    while rt.redis.lindex(key, -1) != method.encode():
        assert time.monotonic() < deadline and worker.poll() is None, "worker never reached the blocking call"
        time.sleep(0.02)
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait()


def recover(rt, queue) -> None:
    """What RQ's maintenance does once the dead worker's execution expires: retry the abandoned job."""
    StartedJobRegistry(queue.name, connection=rt.redis).cleanup(timestamp=time.time() + 3600)


def test_sigkill_mid_mission_then_sigkill_mid_execution(rt, run_jobs):
    mission = MissionService(rt).submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT",
                                                text="ESC-1042")).mission
    worker = start_blocking_worker("get_entitlement_policy")  # step 3 of 5
    kill_when_entered(rt, worker, "get_entitlement_policy")
    assert rt.store.mission(mission.id).status == "running"
    assert [o.key for o in rt.store.observations(mission.id)] == ["s1", "s2"]

    recover(rt, rt.missions_queue)
    run_jobs()
    resumed = rt.store.mission(mission.id)
    assert resumed.status == "awaiting_approval" and len(resumed.proposals) == 1
    posted = Counter(m["text"][:40] for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()
                     if m["op"] == "post" and m.get("thread") == mission.id)
    assert all(n == 1 for n in posted.values()), posted  # no observation posted twice
    assert [o.key for o in rt.store.observations(mission.id)] == ["s1", "s2", "s3", "s4", "s5"]

    pid = resumed.proposals[0]
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    worker = start_blocking_worker("issue_credit", after=True)  # dies after the credit, before recording it
    kill_when_entered(rt, worker, "issue_credit")
    assert rt.store.proposal(pid).status == "executing"

    recover(rt, rt.actions_queue)
    run_jobs()
    credits = HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()
    assert len(credits) == 1
    assert rt.store.proposal(pid).status == "executed"
    assert rt.store.mission(mission.id).status == "done"
