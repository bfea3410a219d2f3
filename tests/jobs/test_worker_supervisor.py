"""`missionbot worker` heals itself: a queue's RQ worker process that dies is started again by the
supervisor, which itself holds no Redis connection; SIGTERM stops the whole tree with exit code 0."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from rq import Worker

from bot.core.queueing import fresh_workers
from tests.support.crashkit import descendants
from tests.support.fleet import wait_for


def queue_child(supervisor: int, queue: str) -> int | None:
    for pid in descendants(supervisor):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--queue" in argv and argv[argv.index(b"--queue") + 1] == queue.encode():
            return pid
    return None


def test_a_dead_queue_worker_is_started_again_and_sigterm_stops_all(rt, fleet):
    worker = fleet.worker()
    wait_for(lambda: fresh_workers(rt) == {"missions": 1, "actions": 1}, timeout=120, what="both workers up")
    child = queue_child(worker.pid, "missions")
    assert child is not None
    names = {w.name for w in Worker.all(queue=rt.missions_queue)}
    os.kill(child, signal.SIGKILL)
    wait_for(lambda: queue_child(worker.pid, "missions") not in {None, child}, timeout=60, what="a new child")
    wait_for(
        lambda: {w.name for w in Worker.all(queue=rt.missions_queue)} - names,
        timeout=120,
        what="the new missions worker registered",
    )
    assert worker.poll() is None and "restarting" in fleet.log("worker")
    assert fleet.stop() == {"worker": 0}
    assert descendants(worker.pid) == []
