"""A Slack-configured runtime (jobs post through SlackMessenger to the mock) and the server under test."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot import app
from bot.app import default_messengers
from bot.commands.serve_app import server, slack_app
from bot.core import runtime
from bot.core.settings import Settings
from tests.handlers.slack.harness import SECRET, TOKEN, SlackHarness
from tests.support.mock_slack_api import MockSlackApi


@pytest.fixture
def slack_rt(
    rt: runtime.Runtime, mock_slack_api: MockSlackApi, monkeypatch: pytest.MonkeyPatch
) -> Iterator[runtime.Runtime]:
    for name, value in (
        ("SLACK_BOT_TOKEN", TOKEN),
        ("SLACK_SIGNING_SECRET", SECRET),
        ("SLACK_API_URL", mock_slack_api.url),
    ):
        monkeypatch.setenv(name, value)
    settings = Settings(
        **{
            **rt.settings.model_dump(),
            "slack_bot_token": TOKEN,
            "slack_signing_secret": SECRET,
            "slack_api_url": mock_slack_api.url,
        }
    )
    instance = app.create_runtime(
        settings=settings,
        redis=rt.redis,
        workers=rt.workers,
        messengers=default_messengers(settings=settings, redis=rt.redis),
    )
    assert "slack" in instance.messengers  # platforms.py gives jobs a SlackMessenger when the token is set
    app.install(instance)  # jobs drained by run_jobs use this one
    yield instance
    app.install(rt)


@pytest.fixture
async def slack(slack_rt: runtime.Runtime, mock_slack_api: MockSlackApi) -> AsyncIterator[SlackHarness]:
    app = slack_app(slack_rt, signing_secret=SECRET, token=TOKEN, api_url=mock_slack_api.url)
    async with TestClient(TestServer(server(slack_rt, slack=app))) as client:
        yield SlackHarness(client=client, slack=app, rt=slack_rt, api=mock_slack_api)
