"""MCP tool-call latency: the shipped helpdesk server over stdio, against the built-in helpdesk (the floor).

    .venv/bin/python -m benchmarks.mcp_calls [--calls 200] [--cold 5] [--json]

Rows: the built-in `helpdesk.get_ticket` (in-process, Redis only); the same tool over a warm long-lived
MCP session (`bot.tools.mcp_sessions`); the first call of a process (server start, initialize, list);
and a new stdio session per call (how calls were made before sessions were kept open).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from datetime import UTC, datetime

from redis import Redis

from bot.core.config.models import StdioIntegration
from bot.core.settings import Settings
from bot.demo import backends
from bot.demo.helpdesk import HelpdeskBackend
from bot.tools.builtin import builtin_tools
from bot.tools.mcp import McpServer

HELPDESK = StdioIntegration(
    transport="stdio", command="python", args=["-m", "bot.demo.helpdesk_mcp"], timeout_seconds=30
)


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--cold", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()
    url = Settings().redis_url or "redis://127.0.0.1:6379/0"
    redis, prefix = Redis.from_url(url), f"mbbench{uuid.uuid4().hex[:8]}"
    HelpdeskBackend(redis=redis, prefix=prefix, clock=lambda: datetime.now(UTC)).seed()
    env = {"REDIS_URL": url, "MISSIONBOT_KEY_PREFIX": prefix}
    try:
        implementations = backends.helpdesk(redis=redis, prefix=prefix, clock=lambda: datetime.now(UTC))
        builtin = builtin_tools("helpdesk", integration="helpdesk", implementations=implementations)[
            "helpdesk.get_ticket"
        ]
        floor = timed(lambda: builtin.call({"ticket_id": "1042"}, idempotency_key=None), args.calls)
        server = McpServer("helpdesk", HELPDESK, env=env)
        first = timed(lambda: (server.list_tools(), server.call("get_ticket", {"ticket_id": "1042"})), 1)
        warm = timed(lambda: server.call("get_ticket", {"ticket_id": "1042"}), args.calls)

        async def per_call_session() -> None:
            async with server.open() as session:
                await session.call_tool("get_ticket", {"ticket_id": "1042"})

        cold = timed(lambda: asyncio.run(per_call_session()), args.cold)
    finally:
        for key in redis.scan_iter(f"{prefix}:*"):
            redis.delete(key)
    rows = {
        "builtin_floor": ("built-in helpdesk.get_ticket (floor)", floor),
        "mcp_warm": ("MCP stdio, warm session", warm),
        "mcp_first_call": ("MCP stdio, first call (start+init+list)", first),
        "mcp_session_per_call": ("MCP stdio, new session per call", cold),
    }
    base = statistics.median(floor)
    figures = {
        key: {"p50_ms": statistics.median(v), "p95_ms": p95(v), "x_floor": statistics.median(v) / base}
        for key, (_, v) in rows.items()
    }
    if args.json:
        print(
            json.dumps(
                {
                    "benchmark": "mcp_calls",
                    "calls": args.calls,
                    "cold": args.cold,
                    "goal_warm_x_floor": 10,
                    **figures,
                }
            )
        )
        return
    print(f"{'call':<44} {'p50 ms':>9} {'p95 ms':>9} {'x floor':>9}")
    for key, (name, _) in rows.items():
        f = figures[key]
        print(f"{name:<44} {f['p50_ms']:>9.2f} {f['p95_ms']:>9.2f} {f['x_floor']:>9.1f}")


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


if __name__ == "__main__":
    main()
