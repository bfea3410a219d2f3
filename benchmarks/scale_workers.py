"""Missions per second with 1, 2 and 4 `missionbot worker` processes on one Redis, and the RSS of each
process role (serve, worker, scheduler) idle and under that load.

    .venv/bin/python -m benchmarks.scale_workers [--missions 100] [--workers 1,2,4] [--json]

Each round starts real processes through the CLI (tests/support/fleet.py): one `serve` (Slack, signed
requests, the mock Web API of tests/support in this process), one `scheduler` and N `worker`s; the
helpdesk is in-process (`transport: builtin`). The missions go in as signed Events API mentions, every
proposal is approved by a signed click as soon as it is pending, and the clock runs from the first
mention until every mission is done. The floor is the 1-worker rate of the same run: the scaling factor is
rate(N) / rate(1) (N would be perfect). Memory is psutil's RSS and PSS, summed over each process's tree
(a worker's supervisor, its two queue workers and any work horse forked at the moment): idle after the
processes registered, and the maximum sampled (every 0.5 s) during the load. Forked children share pages
with their parent: RSS counts them in each, PSS splits them (closer to what the container is charged).
Needs a Redis (REDIS_URL, else 127.0.0.1:6379) and MISSIONBOT_AUDIT_KEY in the environment (the processes
sign the audit chain).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psutil
from redis import Redis
from rq import Worker

from benchmarks.missions import redis_url
from bot import app
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from tests.support.fleet import Fleet, wait_for
from tests.support.mock_slack_api import MockSlackApi
from tests.support.redis_server import cleanup, new_prefix
from tests.support.scale_out import Serves, missions_of, pending, roomy_configs, slack_env

MB = 1024 * 1024


def tree_memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of `pid` and its descendants ((0, 0) once it is gone). RSS counts the pages a
    forked child shares with its parent in both; PSS splits them, so a tree's PSS is what it holds."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    rss = pss = 0
    for proc in procs:
        try:
            info = proc.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        rss, pss = rss + info.rss, pss + info.pss
    return rss, pss


def roles(fleet: Fleet) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {"serve": [], "worker": [], "scheduler": []}
    for name, proc in fleet.procs.items():
        found[name.rstrip("0123456789")].append(proc.pid)
    return found


def sample(fleet: Fleet, into: dict[str, dict[str, int]]) -> None:
    """Each role's largest tree RSS and PSS now, kept in `into` where larger than what it holds."""
    for role, pids in roles(fleet).items():
        for rss, pss in (tree_memory(pid) for pid in pids):
            held = into.setdefault(role, {"rss": 0, "pss": 0})
            held["rss"], held["pss"] = max(held["rss"], rss), max(held["pss"], pss)


def in_mb(found: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    return {role: {k: round(v / MB, 1) for k, v in mem.items()} for role, mem in found.items()}


def one_round(url: str, folder: Path, *, workers: int, missions: int) -> dict[str, Any]:
    prefix, redis = new_prefix(), Redis.from_url(url)
    configs = roomy_configs(folder)
    settings = Settings(REDIS_URL=url, MISSIONBOT_KEY_PREFIX=prefix, MISSIONBOT_CONFIG_DIR=configs)
    rt = app.create_runtime(settings=settings, redis=redis)
    HelpdeskBackend(redis=redis, prefix=prefix, clock=rt.clock).seed()
    api = MockSlackApi()
    api.start()
    fleet = Fleet(redis_url=url, prefix=prefix, config_dir=configs, logs=folder / "logs",
                  extra={**slack_env(api), "MISSIONBOT_RECOVERY_GRACE": "30"})  # fmt: skip
    try:
        fleet.start("scheduler", "scheduler")
        for i in range(workers):
            fleet.start(f"worker{i}", "worker")
        serves = Serves(fleet=fleet, api=api, count=1)
        queues = (rt.missions_queue, rt.actions_queue)
        wait_for(lambda: all(len(Worker.all(queue=q)) >= workers for q in queues), timeout=120,
                 what="every worker registered")  # fmt: skip
        time.sleep(2)  # settled after start-up
        idle: dict[str, dict[str, int]] = {}
        sample(fleet, idle)
        loaded: dict[str, dict[str, int]] = {}
        start = time.perf_counter()
        bodies = serves.mentions(["ESC-1042"] * missions)

        def done() -> bool:
            sample(fleet, loaded)
            found = missions_of(rt, bodies)
            if None in found:
                return False
            serves.approve(pending(rt, found))  # type: ignore[arg-type]
            return not any(rt.store.mission(m).is_open for m in found)  # type: ignore[arg-type]

        wait_for(done, timeout=1800, what=f"{missions} missions done", poll=0.5)
        took = time.perf_counter() - start
        return {
            "workers": workers,
            "missions": missions,
            "seconds": round(took, 1),
            "missions_per_s": round(missions / took, 2),
            "memory_idle_mb": in_mb(idle),
            "memory_load_mb": in_mb(loaded),
        }
    finally:
        fleet.stop()
        api.stop()
        cleanup(redis, prefix)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--missions", type=int, default=100, help="missions per round")
    parser.add_argument("--workers", default="1,2,4", help="worker process counts, one round each")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if not os.environ.get("MISSIONBOT_AUDIT_KEY"):
        sys.exit("set MISSIONBOT_AUDIT_KEY (any 64 hex digits): the processes sign the audit chain")
    rounds = []
    with ExitStack() as stack:
        url = redis_url(stack)
        for count in (int(n) for n in args.workers.split(",")):
            with tempfile.TemporaryDirectory() as folder:
                rounds.append(one_round(url, Path(folder), workers=count, missions=args.missions))
            print(json.dumps(rounds[-1]), file=sys.stderr)
    floor = rounds[0]["missions_per_s"]
    figures = {
        "rounds": rounds,
        "scaling": {str(r["workers"]): round(r["missions_per_s"] / floor, 2) for r in rounds},
        "floor": f"{rounds[0]['workers']} worker(s): {floor} missions/s",
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(figures))
        return
    for r in rounds:
        n = r["workers"]
        print(f"{n} worker(s): {r['missions_per_s']} missions/s ({r['missions']} in {r['seconds']} s), "
              f"x{figures['scaling'][str(n)]}")  # fmt: skip
        print(f"  memory MB idle {r['memory_idle_mb']}\n  under load {r['memory_load_mb']}")
    print(f"load average {figures['load_average']}")


if __name__ == "__main__":
    main()
