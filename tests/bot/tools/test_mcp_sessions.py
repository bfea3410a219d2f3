"""Long-lived MCP sessions: reused while the server lives, reopened when it died or after a fork,
closed at exit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.core.config.models import StdioIntegration
from bot.tools.mcp import McpServer

ROOT = Path(__file__).resolve().parents[3]
PID_SERVER = StdioIntegration(
    transport="stdio", command="python", args=["-m", "tests.support.pid_mcp"], timeout_seconds=20
)


def server_pid(server: McpServer) -> int:
    return server.call("whoami", {})["pid"]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_gone(pid: int) -> None:
    deadline = time.monotonic() + 10
    while alive(pid):
        assert time.monotonic() < deadline, f"server {pid} still running"
        time.sleep(0.05)


def test_calls_share_one_session_and_a_dead_server_is_replaced_transparently():
    server = McpServer("pid", PID_SERVER, env={"CASE": "reuse"})
    first = server_pid(server)
    assert (
        server_pid(server) == first
        and server_pid(McpServer("pid", PID_SERVER, env={"CASE": "reuse"})) == first
    )
    assert (
        server_pid(McpServer("pid", PID_SERVER, env={"CASE": "other"})) != first
    )  # another config, another server
    os.kill(first, signal.SIGKILL)
    wait_gone(first)
    replaced = server_pid(server)  # no error: the ping before the call finds the server gone and reconnects
    assert replaced != first and server_pid(server) == replaced


def test_a_forked_child_opens_its_own_session_and_leaves_the_parents_alone():
    server = McpServer("pid", PID_SERVER, env={"CASE": "fork"})
    parents = server_pid(server)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # as RQ's forking Worker does for every job
        try:
            os.write(write, json.dumps(server_pid(server)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        childs = json.loads(pipe.read())
    os.waitpid(child, 0)
    assert childs != parents
    assert server_pid(server) == parents  # the child never touched (or closed) the parent's session
    wait_gone(childs)  # the child's server ends with the child (its stdin closes)


def test_sessions_close_quietly_at_exit():
    script = (
        "from bot.tools.mcp import McpServer; from tests.bot.tools.test_mcp_sessions import PID_SERVER;"
        "print(McpServer('pid', PID_SERVER).call('whoami', {})['pid'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    wait_gone(int(done.stdout))
