"""The weekly digest at scale: `compute` (8 weeks of figures, the trends' default) over a generated week
of missions, with 0/1/4/7 weeks of history before it, and the chart of those weeks.

    .venv/bin/python -m benchmarks.digest_scale [--missions N] [--history 0,1,4,7] [--no-full-pass] [--json]
        [--profile FILE] [--redis-url URL]

Events go straight into a scratch key prefix's audit stream (XADD with ids at the events' own times, as
Redis's clock would give them), shaped as `Audit.record` writes them: per mission the 17 events a playbook
`support-triage` mission records (created, started, 3 tool reads with their observations, a proposal,
a decision, its execution, done...; tests/support/audit_week.py), plus each mission's record and index
entry (for the tokens line); history weeks have the same density. Per case: `compute` through the hourly
rollups (median of `--rounds`), the pass over the stream it replaces (`rollups=False`), and the first
fold that builds the rollups (the scheduler folds every 15 minutes, so it pays this a little at a time).
The two digests must be equal. The clock is 10 minutes past the window's end. Then the chart of the
digest's 8 weeks (`chart.render_png`, median of `--rounds` after one warm-up that imports matplotlib).
It runs against a redis-server of its own (a free port, no persistence, killed at the end) unless
`--redis-url` names one: `--missions 100000 --history 7` (the issue's size) puts ~13M events, ~5 GB, in
it. The events are written as raw commands with replies off (`audit_week.RawPipe`). `--profile FILE`
saves a cProfile of one 8-week `compute`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from redis import Redis

from bot import app
from bot.core.settings import Settings
from bot.missions.digest import chart, rollup
from bot.missions.digest.compute import compute
from tests.support.audit_week import WEEK, WORKER, generate
from tests.support.fleet import PrivateRedis
from tests.support.redis_server import cleanup

ROOT = Path(__file__).resolve().parents[1]
END = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 09:00 Berlin
GOAL_SECONDS = 5.0  # 8 weeks of figures at 100,000 missions a week
CHART_GOAL_SECONDS = 1.0


def timed(fn, rounds: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(rounds):
        began = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - began)
    return statistics.median(times), value


def blank_png() -> bytes:
    """The floor for the chart: an empty figure of the same size saved as PNG (this machine, this load)."""
    import io  # noqa: PLC0415

    from matplotlib.figure import Figure  # noqa: PLC0415

    out = io.BytesIO()
    Figure(figsize=(chart.WIDTH, chart.HEIGHT), dpi=chart.DPI).savefig(out, format="png")
    return out.getvalue()


@contextmanager
def private_redis(url: str | None) -> Iterator[str]:
    """`url` when given, else a redis-server of this run's own: gigabytes stay off the shared one."""
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="digest-scale-") as folder:
        server = PrivateRedis(Path(folder), aof=False)
        server.start()
        try:
            yield server.url
        finally:
            server.kill()  # nothing to keep: no persistence


def one_case(
    redis: Redis,
    url: str,
    *,
    per_week: int,
    history: int,
    rounds: int,
    full_pass: bool,
    profile: str | None = None,
    private: bool = False,
) -> dict[str, float]:
    prefix = f"mbdigest{uuid.uuid4().hex[:8]}"
    try:
        started = time.perf_counter()
        start = END - WEEK * (1 + history)
        events = generate(redis, prefix, start=start, end=END, per_week=per_week, seed=history)
        generated = time.perf_counter() - started
        print(f"generated {events:,} events in {generated:.0f} s, load {os.getloadavg()}", file=sys.stderr)
        settings = Settings(
            REDIS_URL=url, MISSIONBOT_KEY_PREFIX=prefix, MISSIONBOT_CONFIG_DIR=ROOT / "worker_configs"
        )
        # The digest runs 10 minutes after the window's end, when its last hour is sealed.
        rt = app.create_runtime(settings=settings, redis=redis, clock=lambda: END + timedelta(minutes=10))
        full_s, full = (
            timed(lambda: compute(rt, WORKER, end=END, rollups=False), 1) if full_pass else (None, None)
        )
        fold_s, _ = timed(lambda: rollup.fold(rt), 1)  # the first fold: what the scheduler spreads out
        print(f"first fold {fold_s:.0f} s, load {os.getloadavg()}", file=sys.stderr)
        fast_s, fast = timed(lambda: compute(rt, WORKER, end=END), rounds)
        if profile:
            cProfile.runctx("compute(rt, WORKER, end=END)", globals(), locals(), profile)
        assert full is None or fast == full, "the rollups disagree with the pass over the stream"
        assert fast.current.missions > 0.99 * per_week, fast.current.missions
        two_s, _ = timed(lambda: compute(rt, WORKER, end=END, weeks=2), rounds)  # the floor: the old digest
        chart.render_png(fast)  # warm-up: the import of matplotlib is paid once per process
        chart_s, _ = timed(lambda: chart.render_png(fast), rounds)
        blank_s, _ = timed(blank_png, rounds)
        return {
            "history_weeks": history,
            "events_in_stream": events,
            "generate_s": generated,
            "redis_used_memory_gb": redis.info("memory")["used_memory"] / 1e9,
            "compute_s": fast_s,
            "full_pass_s": full_s,
            "first_fold_s": fold_s,
            "missions_in_week": fast.current.missions,
            "weeks_with_missions": sum(1 for w in fast.weeks if w.missions),
            "compute_2_weeks_s": two_s,
            "compute_ratio_8_to_2_weeks": fast_s / two_s,
            "chart_s": chart_s,
            "blank_png_s": blank_s,
            "chart_ratio_to_blank": chart_s / blank_s,
        }
    finally:
        if private:  # this run's own server: emptied at once (the scan below takes minutes at 100k a week)
            redis.flushall(asynchronous=True)
        else:
            cleanup(redis, prefix)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--missions", type=int, default=5_000, help="missions per generated week")
    parser.add_argument("--history", default="0,1,4,7", help="weeks of history before the window, per case")
    parser.add_argument("--rounds", type=int, default=3, help="compute runs per case (median)")
    parser.add_argument("--no-full-pass", action="store_true", help="skip timing the pass over the stream")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--profile", help="save a cProfile of one 8-week compute (last case) to this file")
    parser.add_argument("--redis-url", help="a Redis to use instead of a private redis-server")
    args = parser.parse_args()
    os.environ.setdefault("MISSIONBOT_AUDIT_KEY", secrets.token_hex(32))
    load = os.getloadavg()
    with private_redis(args.redis_url) as url:
        # No socket timeout: at 100,000 missions a week a single command (the first fold's `start_at`
        # over 13M entries, FLUSHALL) can take longer than redis-py's default 5 s.
        redis = Redis.from_url(url, socket_timeout=None)
        cases = [
            one_case(
                redis,
                url,
                per_week=args.missions,
                history=int(h),
                rounds=args.rounds,
                full_pass=not args.no_full_pass,
                profile=args.profile,
                private=not args.redis_url,
            )
            for h in args.history.split(",")
        ]
        redis.close()
    loads = {"load_at_start": load, "load_at_end": os.getloadavg()}
    goal = GOAL_SECONDS * args.missions / 100_000  # the goal, scaled to this run's size
    if args.json:
        print(
            json.dumps(
                {
                    "benchmark": "digest_scale",
                    "missions_per_week": args.missions,
                    "cases": cases,
                    "goal_compute_s_at_100k": GOAL_SECONDS,
                    "goal_compute_s_scaled": goal,
                    "goal_chart_s": CHART_GOAL_SECONDS,
                    **loads,
                }
            )
        )
        return
    print(
        f"{args.missions:,} missions a week; goal: under {GOAL_SECONDS} s at 100,000 (scaled: {goal:.2f} s)"
    )
    print(f"load average at start {loads['load_at_start']}, at end {loads['load_at_end']}")
    print(
        f"{'history weeks':>14} {'events':>10} {'compute s':>10} {'full pass s':>12} {'first fold s':>13} "
        f"{'chart s':>8}"
    )
    for c in cases:
        print(
            f"{c['history_weeks']:>14} {c['events_in_stream']:>10,} {c['compute_s']:>10.3f} "
            f"{c['full_pass_s'] or float('nan'):>12.2f} {c['first_fold_s']:>13.2f} {c['chart_s']:>8.3f}"
        )


if __name__ == "__main__":
    main()
