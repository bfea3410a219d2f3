"""Audit appends/s from 1, 4 and 8 writer processes against bare XADD from the same processes.

    .venv/bin/python -m benchmarks.audit_append [--seconds 3] [--writers 1,4,8] [--rounds 3] [--json]

Each writer process runs both loops in turn on its own connection, started together by a barrier:
`Audit.record` (redaction, canonical JSON, HMAC-SHA256, one EVALSHA that assigns seq, XADDs and sets
the head), then a bare `XADD` of the same event as plain JSON (the floor: one round trip, no chain).
Prints medians over the rounds and the ratios (also the median of each round's audit/bare ratio, which
shrugs off load from other processes better); the floor for 8 writers is 0.5. Keys live under a fresh
prefix on REDIS_URL (default the local server) and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime

from redis import Redis

from bot.core.audit import Audit
from bot.core.audit_keys import AuditKeys
from bot.core.audit_verify import check

URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
KEYS = AuditKeys(current=b"benchmark-key-0123456789abcdef")
DATA = {"tool": "helpdesk.issue_credit", "args": {"account_id": "ACME-7", "amount": 30}, "tier": "execute"}


def _writer(mode: str, prefix: str, seconds: float, barrier, counts) -> None:  # mp proxies
    redis = Redis.from_url(URL)
    audit = Audit(redis=redis, prefix=prefix, clock=lambda: datetime.now(UTC), keys=KEYS)
    stream = f"{prefix}:bare"
    redis.ping()
    barrier.wait()
    n, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(20):
            if mode == "audit":
                audit.record(
                    "proposal.created",
                    actor="worker:support-triage",
                    worker="support-triage",
                    mission="M-ABC123",
                    proposal="P-1",
                    **DATA,
                )
            else:
                event = {
                    "at": datetime.now(UTC).isoformat(),
                    "kind": "proposal.created",
                    "actor": "worker:x",
                    "worker": "support-triage",
                    "mission": "M-ABC123",
                    "proposal": "P-1",
                    "data": DATA,
                }
                redis.xadd(stream, {"event": json.dumps(event)})
        n += 20
    counts.append(n)


def rate(mode: str, writers: int, seconds: float, prefix: str) -> float:
    ctx = mp.get_context("fork")
    with ctx.Manager() as manager:
        barrier, counts = manager.Barrier(writers), manager.list()
        procs = [
            ctx.Process(target=_writer, args=(mode, prefix, seconds, barrier, counts)) for _ in range(writers)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        return sum(counts) / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--writers", default="1,4,8")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object (the table goes to stderr)"
    )
    args = parser.parse_args()
    show = functools.partial(print, file=sys.stderr if args.json else sys.stdout)
    figures: dict[str, object] = {"benchmark": "audit_append", "seconds": args.seconds, "rounds": args.rounds}
    figures["goal_ratio_min_at_8_writers"] = 0.5
    redis, prefix = Redis.from_url(URL), f"bench-audit-{uuid.uuid4().hex[:8]}"
    show(
        f"{'writers':>7} | {'bare XADD/s':>11} | {'audit/s':>9} | ratio of medians | median of paired ratios"
    )
    try:
        for writers in [int(w) for w in args.writers.split(",")]:
            bare, audit = [], []
            for _ in range(args.rounds):  # interleaved, so both see the same machine load
                bare.append(rate("bare", writers, args.seconds, prefix))
                audit.append(rate("audit", writers, args.seconds, prefix))
            b, a = statistics.median(bare), statistics.median(audit)
            paired = statistics.median(x / y for x, y in zip(audit, bare, strict=True))
            show(f"{writers:>7} | {b:>11.0f} | {a:>9.0f} | {a / b:>16.2f} | {paired:.2f}", flush=True)
            figures[f"writers_{writers}"] = {
                "bare_xadd_per_s": b,
                "audit_per_s": a,
                "ratio_of_medians": a / b,
                "median_paired_ratio": paired,
            }
        verdict_ok = not check(
            Audit(redis=redis, prefix=prefix, clock=lambda: datetime.now(UTC), keys=KEYS)
        ).problems
        show(f"chain after the run verifies: {verdict_ok}")
        figures["chain_verifies"] = verdict_ok
        if args.json:
            print(json.dumps(figures))
    finally:
        for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
            redis.delete(key)


if __name__ == "__main__":
    main()
