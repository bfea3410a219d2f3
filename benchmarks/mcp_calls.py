"""MCP tool-call latency: the shipped helpdesk server over stdio, against the built-in helpdesk (the floor).

    .venv/bin/python -m benchmarks.mcp_calls [--calls 200] [--cold 5] [--json]

Rows: the built-in `helpdesk.get_ticket` (in-process, Redis only); the same tool over a warm long-lived
MCP session (`bot.tools.mcp_sessions`); the first call of a process (server start, initialize, list);
a new stdio session per call (how calls were made before sessions were kept open); and the MCP SDK's
own `ClientSession.call_tool` awaited in one running loop on an open session (the warm call without
missionbot's pool around it). Floor and warm
calls are measured in alternating rounds. Wall time on a shared machine follows its load, so the floor and
the warm call also report CPU per call (this process, and for the warm call the server process too) and
the threads' voluntary context switches per call (wake-ups), which the load does not move much (Linux
/proc; left out elsewhere).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from redis import Redis

from bot.core.config.tools import StdioIntegration
from bot.core.settings import Settings
from bot.demo import backends
from bot.demo.helpdesk import HelpdeskBackend
from bot.tools.builtin import builtin_tools
from bot.tools.mcp import McpServer

HELPDESK = StdioIntegration(
    transport="stdio", command="python", args=["-m", "bot.demo.helpdesk_mcp"], timeout_seconds=30
)


ROUNDS = 5


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def server_pid() -> int | None:
    """The helpdesk server this process started (its child), from /proc."""
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        for pid in children.read_text().split():
            with contextlib.suppress(OSError):
                if b"helpdesk_mcp" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    return int(pid)
    return None


def usage(pid: int | None) -> tuple[float, int]:
    """(CPU seconds, voluntary context switches of all threads) of a process; zeros without /proc."""
    if pid is None:
        return 0.0, 0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        switches = sum(
            int(line.split(":")[1])
            for status in Path(f"/proc/{pid}/task").glob("*/status")
            for line in status.read_text().splitlines()
            if line.startswith("voluntary_ctxt_switches")
        )
    except OSError:
        return 0.0, 0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), switches


class Meter:
    """Wall times, and CPU and wake-ups per call of this process and a server, over several rounds."""

    def __init__(self, server: int | None = None) -> None:
        self.server, self.times, self.cpu, self.server_cpu, self.switches = server, [], 0.0, 0.0, 0

    def run(self, fn, n: int) -> None:
        cpu, mine, theirs = time.process_time(), usage(os.getpid()), usage(self.server)
        self.times += timed(fn, n)
        after_mine, after_theirs = usage(os.getpid()), usage(self.server)
        self.cpu += time.process_time() - cpu
        self.server_cpu += after_theirs[0] - theirs[0]
        self.switches += after_mine[1] - mine[1] + after_theirs[1] - theirs[1]

    def per_call(self) -> dict[str, float]:
        n = len(self.times)
        return {
            "cpu_ms": 1000 * self.cpu / n,
            "server_cpu_ms": 1000 * self.server_cpu / n,
            "wakeups": self.switches / n,
        }


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
        server = McpServer("helpdesk", HELPDESK, env=env)
        first = timed(lambda: (server.list_tools(), server.call("get_ticket", {"ticket_id": "1042"})), 1)
        floor_meter, warm_meter = Meter(), Meter(server_pid())
        for _ in range(ROUNDS):  # alternating, so a change of load hits both alike
            floor_meter.run(
                lambda: builtin.call({"ticket_id": "1042"}, idempotency_key=None), args.calls // ROUNDS
            )
            warm_meter.run(lambda: server.call("get_ticket", {"ticket_id": "1042"}), args.calls // ROUNDS)
        floor, warm = floor_meter.times, warm_meter.times

        async def per_call_session() -> None:
            async with server.open() as session:
                await session.call_tool("get_ticket", {"ticket_id": "1042"})

        cold = timed(lambda: asyncio.run(per_call_session()), args.cold)
        sdk = asyncio.run(sdk_calls(server, args.calls))
    finally:
        for key in redis.scan_iter(f"{prefix}:*"):
            redis.delete(key)
    rows = {
        "builtin_floor": ("built-in helpdesk.get_ticket (floor)", floor),
        "mcp_warm": ("MCP stdio, warm session", warm),
        "mcp_first_call": ("MCP stdio, first call (start+init+list)", first),
        "mcp_session_per_call": ("MCP stdio, new session per call", cold),
        "mcp_sdk_session": ("MCP SDK call_tool alone, one open session", sdk),
    }
    base = statistics.median(floor)
    figures = {
        key: {"p50_ms": statistics.median(v), "p95_ms": p95(v), "x_floor": statistics.median(v) / base}
        for key, (_, v) in rows.items()
    }
    figures["builtin_floor"].update(floor_meter.per_call())
    figures["mcp_warm"].update(warm_meter.per_call())
    both = figures["mcp_warm"]["cpu_ms"] + figures["mcp_warm"]["server_cpu_ms"]
    figures["mcp_warm"]["cpu_x_floor"] = both / max(figures["builtin_floor"]["cpu_ms"], 1e-9)
    if args.json:
        print(
            json.dumps(
                {
                    "benchmark": "mcp_calls",
                    "calls": args.calls,
                    "cold": args.cold,
                    "goal_warm_x_floor": 10,
                    "load_average": os.getloadavg()[0],
                    **figures,
                }
            )
        )
        return
    print(f"{'call':<44} {'p50 ms':>9} {'p95 ms':>9} {'x floor':>9}")
    for key, (name, _) in rows.items():
        f = figures[key]
        print(f"{name:<44} {f['p50_ms']:>9.2f} {f['p95_ms']:>9.2f} {f['x_floor']:>9.1f}")
    for key in ("builtin_floor", "mcp_warm"):
        f = figures[key]
        print(
            f"{key}: CPU/call {f['cpu_ms']:.3f} ms here + {f['server_cpu_ms']:.3f} ms in the server, "
            f"{f['wakeups']:.2f} wake-ups/call"
        )
    print(f"load average {os.getloadavg()[0]:.2f}")


async def sdk_calls(server: McpServer, n: int) -> list[float]:
    """The MCP SDK's own `ClientSession.call_tool` on one open session of the same server, awaited in one
    running loop: what a warm call costs without missionbot's session pool around it (a floor under the
    warm row; a server process of its own)."""
    async with server.open() as session:
        out = []
        for i in range(20 + n):  # the first 20 warm up, not counted
            started = time.perf_counter()
            await session.call_tool("get_ticket", {"ticket_id": "1042"}, meta=server.meta)
            if i >= 20:
                out.append((time.perf_counter() - started) * 1000)
        return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


if __name__ == "__main__":
    main()
