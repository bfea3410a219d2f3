"""MCP over streamable HTTP: the shipped helpdesk server on a loopback port, one mission end to end."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from bot.core.config.tools import HttpIntegration
from bot.missions.service import MissionService
from bot.tools.mcp_sessions import pool
from tests.bot.tools.test_mcp import ask, credits, mcp_worker


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def http_helpdesk(redis_url: str) -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.demo.helpdesk_mcp",
            "--transport",
            "streamable-http",
            "--port",
            str(port),
        ],
        env={**os.environ, "REDIS_URL": redis_url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail(f"the helpdesk MCP server did not listen: {server.communicate()[1]!r}")
            time.sleep(0.1)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        yield url
    finally:
        pool.close_where(lambda key: url in key)  # end our session first: the server is going away
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_a_mission_reaches_the_helpdesk_over_streamable_http_and_credits_once(rt, run_jobs, http_helpdesk):
    worker = mcp_worker(
        rt, HttpIntegration(transport="streamable_http", url=http_helpdesk, timeout_seconds=20)
    )
    mission = ask(rt, "ESC-1042 checkout down")
    run_jobs()
    parked = rt.store.mission(mission.id)
    assert parked.status == "awaiting_approval", parked.verdict
    assert "Checkout down" in rt.store.observations(mission.id)[0].text  # the read came over HTTP
    proposal = rt.store.proposal(parked.proposals[0])
    assert proposal.args["amount"] == 40.0 and credits(rt) == []
    MissionService(rt).decide(proposal.id, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(proposal.id).status == "executed"
    assert rt.store.mission(mission.id).status == "done"
    # The execution carried the proposal id as idempotency key: a retry over HTTP credits once.
    again = rt.toolbox.tools_for(worker)["helpdesk.issue_credit"].call(
        proposal.args, idempotency_key=proposal.id
    )
    assert again["replayed"] is True and [c["amount"] for c in credits(rt)] == [40.0]
