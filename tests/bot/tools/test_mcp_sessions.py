"""Long-lived MCP sessions: reused while the server lives, reopened when it died or after a fork,
closed at exit."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.core.config.tools import StdioIntegration
from bot.core.errors import ToolError
from bot.tools.base import ToolSpec
from bot.tools.json_schema import model_from_schema
from bot.tools.mcp import McpServer, McpTool

ROOT = Path(__file__).resolve().parents[3]
SLOW_SERVER = StdioIntegration(
    transport="stdio", command="python", args=["-m", "tests.support.slow_mcp"], timeout_seconds=20
)
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


def children() -> list[str]:
    """This process's child processes (Linux /proc)."""
    return [p for t in Path(f"/proc/{os.getpid()}/task").glob("*/children") for p in t.read_text().split()]


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    wait_gone(pid)


class CountingServer(McpServer):
    """Counts the sessions it opens: a retry shows as exactly one more."""

    opened = 0

    def open(self):
        self.opened += 1
        return super().open()


def test_calls_share_one_session_and_a_dead_server_is_replaced_on_the_next_call():
    server = McpServer("pid", PID_SERVER, env={"CASE": "reuse"})
    first = server_pid(server)
    assert (
        server_pid(server) == first
        and server_pid(McpServer("pid", PID_SERVER, env={"CASE": "reuse"})) == first
    )
    assert (
        server_pid(McpServer("pid", PID_SERVER, env={"CASE": "other"})) != first
    )  # another config, another server
    kill(first)
    with pytest.raises(ToolError):  # no ping ahead of calls: the call finds the session broken
        server_pid(server)
    replaced = server_pid(server)  # the broken session was discarded: this call opens a new one
    assert replaced != first and server_pid(server) == replaced


def test_a_keyed_call_on_a_dead_session_is_retried_once_on_a_new_one():
    server = CountingServer("pid", PID_SERVER, env={"CASE": "keyed"})
    tool = McpTool(  # as execution calls an approved proposal's tool: its id is the idempotency key
        spec=ToolSpec(name="pid.stamp", description="", args_model=model_from_schema("pid.stamp", None)),
        server=server,
        remote_name="stamp",
        takes_idempotency_key=True,
    )
    first = tool.call({}, idempotency_key="prop-1")["pid"]
    assert server.opened == 1
    kill(first)
    again = tool.call({}, idempotency_key="prop-2")
    assert again["key"] == "prop-2" and again["pid"] != first  # it ran, on the new server
    assert server.opened == 2  # one retry, on one new session


def test_an_unkeyed_call_on_a_dead_session_fails_clearly_and_is_not_retried():
    server = CountingServer("pid", PID_SERVER, env={"CASE": "unkeyed"})
    first = server.call("stamp", {})["pid"]
    kill(first)
    with pytest.raises(ToolError) as failed:
        server.call("stamp", {})
    message = str(failed.value)
    assert message.startswith("pid.stamp failed: the MCP session broke") and "not retried" in message
    assert server.opened == 1  # no second attempt
    assert server.call("stamp", {})["pid"] != first and server.opened == 2  # the next call reconnects


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


def test_a_call_from_async_code_uses_the_same_session():
    server = McpServer("pid", PID_SERVER, env={"CASE": "async"})
    pid = server_pid(server)

    async def from_a_coroutine() -> int:
        return server_pid(server)  # a sync tool call made while this thread runs a loop of its own

    assert asyncio.run(from_a_coroutine()) == pid


def test_calls_from_several_threads_all_get_answers_on_one_session():
    server = McpServer("pid", PID_SERVER, env={"CASE": "threads"})
    pid = server_pid(server)
    with concurrent.futures.ThreadPoolExecutor(4) as threads:
        answers = list(threads.map(lambda _: server_pid(server), range(40)))
    assert answers == [pid] * 40


class Interrupted(Exception):
    """What a signal handler raises in the middle of a call, as RQ's job timeout does."""


def test_a_call_interrupted_by_a_signal_leaves_the_sessions_usable():
    slow = CountingServer("slow", SLOW_SERVER)
    slow.list_tools()

    def interrupt(signum, frame):
        raise Interrupted

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(ToolError):  # as any failure of a call is (bot/tools/mcp.py)
            slow.call("get_ticket", {"ticket_id": "1"})  # the server sleeps 60 s
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    server = McpServer("pid", PID_SERVER, env={"CASE": "after-signal"})
    assert server_pid(server) == server_pid(server)  # the loop is free and runs calls as before
    assert slow.list_tools() and slow.opened == 2  # the interrupted call's session was replaced


def test_a_call_whose_server_dies_under_it_fails_as_a_broken_session_not_a_timeout():
    slow = McpServer("slow", SLOW_SERVER)
    slow.list_tools()
    (pid,) = [
        int(p) for p in children() if b"tests.support.slow_mcp" in Path(f"/proc/{p}/cmdline").read_bytes()
    ]
    killer = threading.Timer(0.5, os.kill, (pid, signal.SIGKILL))  # while the call waits for its answer
    killer.start()
    try:
        with pytest.raises(ToolError, match="the MCP session broke"):
            slow.call("get_ticket", {"ticket_id": "1"})  # the server sleeps 60 s, the timeout is 20 s
    finally:
        killer.cancel()
    wait_gone(pid)
