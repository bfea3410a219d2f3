"""The client's stdio transport (bot/tools/mcp_stdio.py): its server process never outlives it."""

from __future__ import annotations

import sys

from bot.tools.mcp_stdio import stdio_streams
from tests.bot.tools.test_mcp_sessions import alive

# Prints its pid, then ignores its closed stdin: only the transport's termination ends it.
STUBBORN = "import os, sys, time; print(os.getpid(), flush=True); sys.stdin.read(); time.sleep(60)"


async def test_a_server_that_ignores_its_closed_stdin_is_terminated_on_close():
    async with stdio_streams(sys.executable, ["-c", STUBBORN]) as (read, _):
        pid = int((await read.reader.readline()).decode())
    assert not alive(pid)


async def test_a_server_that_exits_when_its_stdin_closes_is_left_to_exit():
    script = "import os, sys; print(os.getpid(), flush=True); sys.stdin.read()"
    async with stdio_streams(sys.executable, ["-c", script]) as (read, _):
        pid = int((await read.reader.readline()).decode())
    assert not alive(pid)
