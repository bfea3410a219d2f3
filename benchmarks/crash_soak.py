"""Crash soak: missions lost and side effects duplicated over repeated SIGKILLs of the worker tree, the
time from the last kill until everything settled, and process exits over Redis restarts.

    .venv/bin/python -m benchmarks.crash_soak [--kills 50] [--missions 70] [--restarts 4] [--mcp]

Real `missionbot worker`/`scheduler`/`serve` processes with the recovery timings shortened as in the
tests (heartbeat 1 s, abandoned after 3 s, sweep every 2 s: tests/support/fleet.py). The kill soak runs on
the local Redis (REDIS_URL or 127.0.0.1:6379) under a fresh key prefix it deletes afterwards; the restarts
run on a redis-server of their own (AOF, fsync every second) in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

from redis import Redis

from tests.support.redis_server import cleanup
from tests.support.soak import restarts, soak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.crash_soak")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--missions", type=int, default=70)
    parser.add_argument("--restarts", type=int, default=4, help="Redis restarts (0: skip)")
    parser.add_argument(
        "--mcp", action="store_true", help="the stdio MCP helpdesk instead of the in-process one"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not os.environ.get("MISSIONBOT_AUDIT_KEY"):  # the processes it starts refuse to run without one
        os.environ["MISSIONBOT_AUDIT_KEY"] = secrets.token_hex(32)
        print("crash_soak: using a throwaway audit key for this run", file=sys.stderr)
    prefix = f"soak{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.monotonic()
        try:
            result = soak(
                redis_url=args.redis_url,
                prefix=prefix,
                folder=folder / "kills",
                kills=args.kills,
                missions=args.missions,
                seed=args.seed,
                mcp=args.mcp,
                settle_wait=600,
            )
        finally:
            cleanup(Redis.from_url(args.redis_url), prefix)
        print(
            f"\n{args.kills} SIGKILLs of the worker tree, {result.missions} missions "
            f"({time.monotonic() - started:.0f}s):"
        )
        print(f"  missions lost (still open):        {result.unsettled}")
        print(f"  missions closed as failed:         {result.failed}")
        print(
            f"  side effects duplicated:           {result.credits - result.executed} "
            f"({result.credits} credits for {result.executed} executed proposals)"
        )
        print(f"  thread messages posted twice:      {result.duplicate_posts}")
        settled = (
            "never (within 10 min)" if result.settle_seconds is None else f"{result.settle_seconds:.1f}s"
        )
        print(f"  last kill -> everything settled:   {settled}")
        print(f"  audit verify:                      {'intact' if result.audit_ok else 'BROKEN'}")
        if args.restarts:
            again = restarts(folder=folder / "restarts", prefix=prefix, count=args.restarts)
            print(f"\n{again.restarts} Redis restarts (SHUTDOWN and SIGKILL alternately, 5 s down):")
            print(f"  process exits:                     {sum(again.exits.values())} {again.exits}")
            print(f"  missions lost (still open):        {again.unsettled} of {again.missions}")
            print(f"  side effects duplicated:           {again.credits - again.executed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
