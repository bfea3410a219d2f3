"""A missionbot Slack server under test: real aiohttp app over HTTP, signed requests shaped like
Slack's (from tests/fixtures/slack/), the mock Web API for every outbound call, real Redis and RQ."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bot.core.runtime import Runtime
from bot.platforms.slack.background import tasks_for
from tests.support.mock_slack_api import MockSlackApi
from tests.support.slack_signing import command_body, form_body, sign

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "slack"
SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
BOT_USER = "UBOT"  # what the mock's auth.test answers


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


_counter = itertools.count(1)


def next_ts() -> str:
    return f"1700000{next(_counter):03d}.000100"


class SlackHarness:
    def __init__(self, *, client: TestClient, slack, rt: Runtime, api: MockSlackApi) -> None:
        self.client, self.slack, self.rt, self.api = client, slack, rt, api

    async def settle(self) -> None:
        """Wait for the work the listeners started after their ack; fail on any error in it."""
        background = tasks_for(self.slack)
        await background.drain(timeout=20)
        assert not background.errors, list(background.errors)

    async def post(
        self,
        body: bytes,
        *,
        content_type: str,
        headers: dict[str, str] | None = None,
        signed: bool = True,
        timestamp: int | None = None,
    ):
        all_headers = {
            "Content-Type": content_type,
            **(sign(SECRET, body, timestamp) if signed else {}),
            **(headers or {}),
        }
        return await self.client.post("/slack/events", data=body, headers=all_headers)

    # -- Events API ----------------------------------------------------------------------
    def event_body(self, event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        body = fixture("event_callback_app_mention.json")
        body["event"] = event
        body["event_id"] = event_id or f"Ev{next(_counter):08d}"
        body["authorizations"][0]["user_id"] = BOT_USER
        return body

    def mention(
        self,
        text: str,
        *,
        user: str = "U0AGENT",
        channel: str = "C0SUPPORT",
        thread_ts: str | None = None,
        event_id: str | None = None,
    ) -> dict[str, Any]:
        event = copy.deepcopy(fixture("event_callback_app_mention.json")["event"])
        ts = next_ts()
        event.update(text=f"<@{BOT_USER}> {text}", user=user, channel=channel, ts=ts, event_ts=ts)
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event_body(event, event_id=event_id)

    def thread_reply(
        self, text: str, *, thread_ts: str, user: str = "U0AGENT", channel: str = "C0SUPPORT"
    ) -> dict[str, Any]:
        event = copy.deepcopy(fixture("event_callback_message_channels_thread_reply.json")["event"])
        ts = next_ts()
        event.update(text=text, user=user, channel=channel, ts=ts, event_ts=ts, thread_ts=thread_ts)
        event.pop("bot_id", None)
        return self.event_body(event)

    async def send_event(self, body: dict[str, Any], **kwargs: Any):
        return await self.post(json.dumps(body).encode(), content_type="application/json", **kwargs)

    # -- interactivity and the slash command ------------------------------------------------
    def click(
        self,
        action_id: str,
        proposal_id: str,
        *,
        user: str,
        card_ts: str = "1.000100",
        channel: str = "C0APPROVALS",
    ) -> dict[str, Any]:
        body = fixture("block_actions_button_in_message.json")
        body["user"] = {"id": user}
        body["channel"] = {"id": channel}
        body["container"].update(channel_id=channel, message_ts=card_ts)
        body["actions"][0].update(action_id=action_id, block_id="mb_actions", value=proposal_id)
        body["trigger_id"] = f"{next(_counter)}.111.trigger"
        return body

    def modal_submission(
        self, view: dict[str, Any], *, user: str, reason: str | None, comment: str | None
    ) -> dict[str, Any]:
        body = fixture("view_submission.json")
        body["user"] = {"id": user}
        values: dict[str, Any] = {
            "reason": {
                "reason_code": {
                    "type": "static_select",
                    "selected_option": {"value": reason} if reason else None,
                }
            },
            "comment": {"comment": {"type": "plain_text_input", "value": comment}},
        }
        body["view"] = {**body["view"], **view, "state": {"values": values}}
        return body

    async def send_interaction(self, payload: dict[str, Any], **kwargs: Any):
        return await self.post(form_body(payload), content_type="application/x-www-form-urlencoded", **kwargs)

    async def command(self, text: str, *, user: str, channel: str = "C0SUPPORT"):
        fields = fixture("slash_command.parsed.json")
        fields.update(command="/mission", text=text, user_id=user, channel_id=channel)
        return await self.post(command_body(fields), content_type="application/x-www-form-urlencoded")

    # -- what Slack received ----------------------------------------------------------------
    def posted(self, channel: str | None = None, *, thread: str | None = None) -> list[dict[str, Any]]:
        return [
            c.params
            for c in self.api.calls_to("chat.postMessage", ok=True)
            if (channel is None or c.params["channel"] == channel)
            and (thread is None or c.params.get("thread_ts") == thread)
        ]

    def ephemerals(self, user: str) -> list[str]:
        return [
            c.params["text"]
            for c in self.api.calls_to("chat.postEphemeral", ok=True)
            if c.params["user"] == user
        ]
