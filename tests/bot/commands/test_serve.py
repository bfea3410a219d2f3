"""`missionbot serve` with Teams only (the Agents Playground path), or half-configured Slack."""

from __future__ import annotations

import pytest

from bot.commands import serve_cmd


async def test_teams_only_when_slack_is_not_configured(rt):
    rt.teams_dev_anonymous = True
    served = serve_cmd.build(rt)
    paths = {r.resource.canonical for r in served.web.router.routes()}
    assert "/api/messages" in paths and "/slack/events" not in paths and served.socket_mode is None


def test_half_configured_slack_is_refused(rt):
    rt.settings = rt.settings.model_copy(update={"slack_bot_token": "xoxb-1"})
    rt.teams_dev_anonymous = True
    with pytest.raises(serve_cmd.MissingSetting, match="SLACK_SIGNING_SECRET"):
        serve_cmd.build(rt)


def test_the_host_is_loopback_under_dev_anonymous_and_every_interface_otherwise():
    assert serve_cmd.bind_host(None, dev_anonymous=True) == "127.0.0.1"
    assert serve_cmd.bind_host(None, dev_anonymous=False) is None  # aiohttp: all interfaces
    assert serve_cmd.bind_host("0.0.0.0", dev_anonymous=True) == "0.0.0.0"


async def test_the_start_up_log_names_the_host_and_only_the_routes_served(rt, caplog):
    import asyncio
    import logging

    from tests.support.fleet import free_port

    rt.teams_dev_anonymous = True
    port = free_port()
    with caplog.at_level(logging.INFO, logger=serve_cmd.log.name):
        task = asyncio.create_task(serve_cmd.serve(rt, socket_mode=False, port=port, host="127.0.0.1"))
        while "serving on" not in caplog.text and not task.done():
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    [line] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("serving on")]
    assert line.startswith(f"serving on 127.0.0.1:{port}: ")
    assert "POST /api/messages" in line and "GET /healthz" in line
    assert "/slack/events" not in line
    assert "anyone who can reach it" not in caplog.text  # loopback: no warning
