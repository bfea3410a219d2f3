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
