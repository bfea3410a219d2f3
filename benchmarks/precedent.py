"""The precedent read of one card (bot/core/precedent.py) after 0, 100, 1,000 and 10,000 similar decisions.

    .venv/bin/python -m benchmarks.precedent [--reads 500] [--json] [--links]

Each size: index that many decisions (same account, same amount band), then time `similar` for a card of
the same account and band, against the floor: one bare PING round trip from the same client. The lists are
capped, so past 100 decisions the read costs the same whatever the history: its ratio to the 100-decision
read stays near 1 (the 0-decision read parses nothing and is cheaper); the floor is one PING.
Keys live under a fresh prefix on REDIS_URL (default the local server) and are deleted afterwards.

`--links` (issue 16: each precedent linked to its mission's thread) times, interleaved round by round, what
the links add: a card's read with each entry's Slack permalink made (`SlackMessenger.permalink`, no API
call) against the bare read, and a decision's indexing with the mission read it now does first (one GET)
against the bare indexing; each against one PING.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

from redis import Redis

from bot.core import precedent

URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
ARGS = {"account_id": "ACME-7", "amount": 40.0, "reason": "outage"}


def _median_us(func, reads: int) -> float:
    times = []
    for _ in range(reads):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def run(reads: int) -> dict:
    redis, prefix = Redis.from_url(URL), f"bench-precedent-{uuid.uuid4().hex[:8]}"

    def key(*parts: str) -> str:
        return ":".join((prefix, *parts))

    def read() -> list:
        return precedent.similar(redis, key, worker="w", tool="t.issue_credit", args=ARGS, exclude="P-new")

    out: dict = {"floor_ping_us": _median_us(redis.ping, reads), "reads": reads, "sizes": {}}
    indexed, t0 = 0, datetime(2026, 1, 1, tzinfo=UTC)
    try:
        for size in (0, 100, 1_000, 10_000):
            for i in range(indexed, size):
                entry = precedent.Precedent(
                    proposal=f"P{i}", mission=f"M{i}", outcome="approved", at=t0 + timedelta(seconds=i)
                )
                precedent.record(redis, key, worker="w", tool="t.issue_credit", args=ARGS, entry=entry)
            indexed = size
            assert len(read()) == min(size, precedent.SHOWN)
            out["sizes"][size] = _median_us(read, reads)
    finally:
        found = list(redis.scan_iter(f"{prefix}:*"))
        if found:
            redis.delete(*found)
    base = out["sizes"][100]  # the first size whose lists hold more than a card reads
    out["ratio_to_full"] = {size: us / base for size, us in out["sizes"].items()}
    out["ratio_to_ping"] = {size: us / out["floor_ping_us"] for size, us in out["sizes"].items()}
    return out


def links(reads: int, rounds: int = 5) -> dict:
    """Interleaved A/B: (bare read, read + links) and (bare index, GET + index), medians per round."""
    from slack_sdk import WebClient  # noqa: PLC0415 - only for this mode

    from bot.platforms.slack.messenger import SlackMessenger  # noqa: PLC0415

    redis, prefix = Redis.from_url(URL), f"bench-precedent-{uuid.uuid4().hex[:8]}"
    slack = SlackMessenger(client=WebClient(token="xoxb-bench"))
    mission_key = f"{prefix}:mission:M1"
    redis.set(mission_key, json.dumps({"id": "M1", "platform": "slack", "conversation": "C0SUPPORT"}))

    def key(*parts: str) -> str:
        return ":".join((prefix, *parts))

    where = {"platform": "slack", "conversation": "C0SUPPORT", "thread": "1714987800.000100"}
    entry = precedent.Precedent(proposal="P", mission="M", outcome="approved", at=datetime.now(UTC), **where)
    for i in range(100):
        precedent.record(
            redis,
            key,
            worker="w",
            tool="t.issue_credit",
            args=ARGS,
            entry=entry.model_copy(update={"proposal": f"P{i}", "mission": f"M{i}"}),
        )

    def read() -> list:
        return precedent.similar(redis, key, worker="w", tool="t.issue_credit", args=ARGS, exclude="P-new")

    def read_linked() -> list:
        found = read()
        return [
            p.model_copy(update={"link": slack.permalink(conversation=p.conversation, message=p.thread)})
            for p in found
        ]

    def index() -> None:
        precedent.record(redis, key, worker="w", tool="t.issue_credit", args=ARGS, entry=entry)

    def index_after_get() -> None:
        redis.get(mission_key)
        index()

    out: dict = {"rounds": []}
    try:
        for _ in range(rounds):
            out["rounds"].append(
                {
                    "ping": _median_us(redis.ping, reads),
                    "read": _median_us(read, reads),
                    "read_linked": _median_us(read_linked, reads),
                    "index": _median_us(index, reads),
                    "index_after_get": _median_us(index_after_get, reads),
                }
            )
    finally:
        found = list(redis.scan_iter(f"{prefix}:*"))
        if found:
            redis.delete(*found)
    for name in ("read_linked", "index_after_get"):
        base = "read" if name == "read_linked" else "index"
        out[f"{name}_ratio"] = statistics.median(r[name] / r[base] for r in out["rounds"])
    for name in ("read", "read_linked", "index", "index_after_get"):
        out[f"{name}_pings"] = statistics.median(r[name] / r["ping"] for r in out["rounds"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--links", action="store_true", help="what linking each precedent adds (A/B)")
    args = parser.parse_args()
    if args.links:
        print(json.dumps(links(args.reads)) if args.json else _links_text(links(args.reads)))
        return
    result = run(args.reads)
    if args.json:
        print(json.dumps(result))
        return
    print(f"floor (PING): {result['floor_ping_us']:.0f} µs")
    for size, us in result["sizes"].items():
        print(
            f"{size:>6} decisions: {us:.0f} µs per card read, {result['ratio_to_full'][size]:.2f}× the read "
            f"of full lists (100), {result['ratio_to_ping'][size]:.1f}× a PING"
        )


def _links_text(out: dict) -> str:
    return (
        f"card read + links: {out['read_linked_ratio']:.2f}× the bare read "
        f"({out['read_pings']:.1f} → {out['read_linked_pings']:.1f} PINGs); "
        f"decision index + mission GET: {out['index_after_get_ratio']:.2f}× the bare index "
        f"({out['index_pings']:.1f} → {out['index_after_get_pings']:.1f} PINGs); medians of "
        f"{len(out['rounds'])} interleaved rounds"
    )


if __name__ == "__main__":
    main()
