"""`missionbot serve --socket-mode` (or SLACK_APP_TOKEN set): the same listeners over Socket Mode.

No websocket is opened: the envelope Slack would send is handed to the handler the serve command
built, and its answer is captured where the client would send it back over the socket.
"""

from __future__ import annotations

import asyncio
import copy

import pytest
from aiohttp import web
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.commands import serve_cmd
from bot.platforms.slack.background import tasks_for
from tests.handlers.slack.harness import BOT_USER, fixture


def mention_envelope() -> dict:
    envelope = copy.deepcopy(
        next(
            e
            for e in fixture("socket_mode_envelopes.json")
            if e["type"] == "events_api" and e["payload"]["event"]["type"] == "app_mention"
        )
    )
    envelope["payload"]["event"].update(
        text=f"<@{BOT_USER}> ESC-1042 please", channel="C0SUPPORT", user="U0AGENT"
    )
    return envelope


async def test_socket_mode_runs_the_same_listeners(slack_rt, mock_slack_api, monkeypatch):
    monkeypatch.setattr(
        slack_rt.settings, "slack_app_token", type(slack_rt.settings.slack_bot_token)("xapp-1-test")
    )
    served = serve_cmd.build(slack_rt, socket_mode=False)  # the app token alone switches it on
    handler = served.socket_mode
    assert handler is not None and handler.app_token == "xapp-1-test"
    assert handler.app.client.base_url == mock_slack_api.url
    assert "/slack/events" not in {r.resource.canonical for r in served.web.router.routes()}

    sent = []

    async def send_socket_mode_response(response):  # stands in for the websocket
        sent.append(response)

    monkeypatch.setattr(handler.client, "send_socket_mode_response", send_socket_mode_response)
    envelope = mention_envelope()
    await handler.handle(handler.client, SocketModeRequest.from_dict(envelope))
    await tasks_for(handler.app).drain()

    assert [r.envelope_id for r in sent] == [envelope["envelope_id"]]  # acked over the socket
    ts = envelope["payload"]["event"]["ts"]
    assert slack_rt.store.mission_for_thread("slack", "C0SUPPORT", ts) is not None
    assert "Queued mission" in mock_slack_api.calls_to("chat.postMessage", ok=True)[0].params["text"]
    await handler.client.close()


def test_serve_refuses_to_start_without_its_secrets(rt):
    with pytest.raises(serve_cmd.MissingSetting, match="SLACK_SIGNING_SECRET"):
        serve_cmd.build(rt)


async def test_http_mode_serves_slack_events(slack_rt):
    served = serve_cmd.build(slack_rt)
    assert served.socket_mode is None
    assert "/slack/events" in {r.resource.canonical for r in served.web.router.routes()}


async def test_socket_mode_drains_background_work_on_shutdown(slack_rt, monkeypatch):
    monkeypatch.setattr(
        slack_rt.settings, "slack_app_token", type(slack_rt.settings.slack_bot_token)("xapp-1-test")
    )
    served = serve_cmd.build(slack_rt, socket_mode=True)
    finished = []

    async def reply_still_being_posted() -> None:
        await asyncio.sleep(0.2)
        finished.append(True)

    tasks_for(served.socket_mode.app).spawn(reply_still_being_posted())
    runner = web.AppRunner(served.web)
    await runner.setup()
    await runner.cleanup()  # what `serve` does after closing the socket
    assert finished == [True]
    await served.socket_mode.client.close()
