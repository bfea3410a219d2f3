"""The demo helpdesk over the thread-free stdio files: real server process, real pipes, the SDK client."""

from __future__ import annotations

import uuid

import pytest

from bot.core.config.tools import StdioIntegration
from bot.core.errors import ToolError
from bot.tools.mcp import McpServer

HELPDESK = StdioIntegration(
    transport="stdio", command="python", args=["-m", "bot.demo.helpdesk_mcp"], timeout_seconds=20
)


def test_lines_past_asyncios_default_limit_go_both_ways(redis_url, prefix):
    server = McpServer("helpdesk", HELPDESK, env={"REDIS_URL": redis_url, "MISSIONBOT_KEY_PREFIX": prefix})
    long_id = "x" * 300_000  # one JSON-RPC line of 300 KB each way: the error names the id it did not find
    with pytest.raises(ToolError) as failed:
        server.call("get_ticket", {"ticket_id": long_id})
    assert long_id in str(failed.value)
    assert server.call("get_ticket", {"ticket_id": "1042"})["account_id"]  # the session is still fine


def test_many_calls_in_a_row_each_get_their_own_answer(redis_url, prefix):
    server = McpServer("helpdesk", HELPDESK, env={"REDIS_URL": redis_url, "MISSIONBOT_KEY_PREFIX": prefix})
    names = [f"tier-{uuid.uuid4().hex[:6]}" for _ in range(50)]
    for name in names:  # an unknown tier: the answer names it, so a reply taken by the wrong call shows
        with pytest.raises(ToolError, match=name):
            server.call("get_entitlement_policy", {"tier": name})
