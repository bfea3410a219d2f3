"""Crash soak: missions lost and side effects duplicated over repeated SIGKILLs of the worker tree, the
time from the last kill until everything settled, and process exits over Redis restarts.

    .venv/bin/python -m benchmarks.crash_soak [--kills 5] [--missions 10] [--restarts 1] [--mcp] [--json]

Real `missionbot worker`/`scheduler`/`serve` processes with the recovery timings shortened as in the
tests (heartbeat 1 s, abandoned after 3 s, sweep every 2 s: tests/support/fleet.py). The kill soak runs on
the local Redis (REDIS_URL or 127.0.0.1:6379) under a fresh key prefix it deletes afterwards; the restarts
run on a redis-server of their own (AOF, fsync every second) in a temporary directory.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
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
    # Quick defaults (about 2 minutes); the README's figures come from --kills 50 --missions 70 --restarts 4.
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--missions", type=int, default=10)
    parser.add_argument("--restarts", type=int, default=1, help="Redis restarts (0: skip)")
    parser.add_argument(
        "--mcp", action="store_true", help="the stdio MCP helpdesk instead of the in-process one"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object (the lines go to stderr)")
    args = parser.parse_args(argv)
    show = functools.partial(print, file=sys.stderr if args.json else sys.stdout)
    if not os.environ.get("MISSIONBOT_AUDIT_KEY"):  # the processes it starts refuse to run without one
        os.environ["MISSIONBOT_AUDIT_KEY"] = secrets.token_hex(32)
        print("crash_soak: using a throwaway audit key for this run", file=sys.stderr)
    prefix = f"soak{uuid.uuid4().hex[:8]}"
    quiet = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with quiet, tempfile.TemporaryDirectory() as tmp:
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
        show(
            f"\n{args.kills} SIGKILLs of the worker tree, {result.missions} missions "
            f"({time.monotonic() - started:.0f}s):"
        )
        show(f"  missions lost (still open):        {result.unsettled}")
        show(f"  missions closed as failed:         {result.failed}")
        show(
            f"  side effects duplicated:           {result.credits - result.executed} "
            f"({result.credits} credits for {result.executed} executed proposals)"
        )
        show(f"  thread messages posted twice:      {result.duplicate_posts}")
        settled = (
            "never (within 10 min)" if result.settle_seconds is None else f"{result.settle_seconds:.1f}s"
        )
        show(f"  last kill -> everything settled:   {settled}")
        show(f"  audit verify:                      {'intact' if result.audit_ok else 'BROKEN'}")
        figures: dict[str, object] = {
            "benchmark": "crash_soak",
            "kills": args.kills,
            "missions": result.missions,
            "seconds": time.monotonic() - started,
            "missions_lost": result.unsettled,
            "missions_failed": result.failed,
            "side_effects_duplicated": result.credits - result.executed,
            "credits": result.credits,
            "executed": result.executed,
            "duplicate_posts": result.duplicate_posts,
            "settle_seconds": result.settle_seconds,
            "audit_ok": result.audit_ok,
            "goal": "0 lost, 0 duplicated, audit intact",
        }
        if args.restarts:
            again = restarts(folder=folder / "restarts", prefix=prefix, count=args.restarts)
            show(f"\n{again.restarts} Redis restarts (SHUTDOWN and SIGKILL alternately, 5 s down):")
            show(f"  process exits:                     {sum(again.exits.values())} {again.exits}")
            show(f"  missions lost (still open):        {again.unsettled} of {again.missions}")
            show(f"  side effects duplicated:           {again.credits - again.executed}")
            figures["redis_restarts"] = {
                "restarts": again.restarts,
                "process_exits": sum(again.exits.values()),
                "missions": again.missions,
                "missions_lost": again.unsettled,
                "side_effects_duplicated": again.credits - again.executed,
            }
        if args.json:
            print(json.dumps(figures), file=sys.__stdout__)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
