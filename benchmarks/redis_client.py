"""Client CPU of redis-py with hiredis (its C reply parser and command packer) against its pure-Python
parser and packer, in one process, in turns: why `hiredis` is a dependency.

Run: .venv/bin/python -m benchmarks.redis_client [--turns 6] [--json]
Each turn, each client: 1,000 `SET`/`GET` pairs (200-byte values), 50 bare `Queue.enqueue`s and those 50
no-op jobs drained by an RQ `SimpleWorker` on that client's connection; the figure is the median over the
turns of this process's CPU (`time.process_time`), so the Redis server's own time is left out. Uses
REDIS_URL, else 127.0.0.1:6379 (a scratch key prefix, deleted at the end).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable

from redis import Redis
from redis._parsers.resp3 import _RESP3Parser
from redis.connection import Connection, ConnectionPool, PythonRespSerializer
from redis.utils import HIREDIS_AVAILABLE
from rq import Queue, SimpleWorker


class PurePython(Connection):
    """redis-py's own Python parser and packer, whether or not hiredis is installed."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**{**kwargs, "parser_class": _RESP3Parser})
        self._command_packer = PythonRespSerializer(self._buffer_cutoff, self.encoder.encode)


def client(url: str, *, pure: bool) -> Redis:
    if not pure:
        return Redis.from_url(url)
    return Redis(connection_pool=ConnectionPool.from_url(url, connection_class=PurePython))


def cpu_us(work: Callable[[], None], count: int) -> float:
    start = time.process_time()
    work()
    return (time.process_time() - start) * 1e6 / count


def turn(redis: Redis, prefix: str) -> dict[str, float]:
    queue = Queue(f"{prefix}-{uuid.uuid4().hex[:6]}", connection=redis)

    def commands() -> None:
        for _ in range(1000):
            redis.set(f"{prefix}:k", "x" * 200)
            redis.get(f"{prefix}:k")

    def enqueues() -> None:
        for i in range(50):
            queue.enqueue("benchmarks.noop.noop", str(i))

    def drain() -> None:
        SimpleWorker([queue], connection=redis).work(burst=True, logging_level="ERROR")

    return {
        "command_us": cpu_us(commands, 2000),
        "enqueue_us": cpu_us(enqueues, 50),
        "noop_job_us": cpu_us(drain, 50),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--json", action="store_true", help="print one JSON object with figures and floors")
    args = parser.parse_args()
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    prefix = f"mbredisclient{uuid.uuid4().hex[:8]}"
    kinds = {"pure_python": client(url, pure=True)}
    if HIREDIS_AVAILABLE:
        kinds["hiredis"] = client(url, pure=False)
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    try:
        for redis in kinds.values():  # warm-up: imports, connections, RQ's scripts
            turn(redis, prefix)
        for _ in range(args.turns):
            for kind, redis in kinds.items():
                runs[kind].append(turn(redis, prefix))
    finally:
        for key in kinds["pure_python"].scan_iter(match=f"*{prefix}*", count=1000):
            kinds["pure_python"].delete(key)
    figures = {
        kind: {name: round(statistics.median(r[name] for r in turns), 1) for name in turns[0]}
        for kind, turns in runs.items()
    }
    out = {
        "benchmark": "redis_client",
        "turns": args.turns,
        "hiredis_installed": HIREDIS_AVAILABLE,
        **figures,
    }
    if HIREDIS_AVAILABLE:
        out["hiredis_to_pure_python"] = {
            name: round(figures["hiredis"][name] / figures["pure_python"][name], 2)
            for name in figures["hiredis"]
        }
    out["load_average"] = [round(x, 2) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(out))
        return
    for kind, values in figures.items():
        print(f"{kind:12s} " + ", ".join(f"{k} {v}" for k, v in values.items()), file=sys.stderr)
    if HIREDIS_AVAILABLE:
        print(f"hiredis : pure Python {out['hiredis_to_pure_python']}", file=sys.stderr)


if __name__ == "__main__":
    main()
