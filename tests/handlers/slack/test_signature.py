"""Unauthenticated requests get a 401 and change nothing: no mission, no dedupe mark, no Slack call."""

from __future__ import annotations

import json
import time

import pytest

from bot.platforms.slack.app import event_key
from tests.support.slack_signing import sign

STALE = int(time.time()) - 6 * 60


@pytest.mark.parametrize("how", ["stale", "bad", "missing", "no timestamp"])
async def test_unauthenticated_requests_are_refused(slack, how):
    body = slack.mention("ESC-1042 please")
    raw = json.dumps(body).encode()
    if how == "stale":
        answer = await slack.post(raw, content_type="application/json", timestamp=STALE)
    elif how == "bad":
        headers = sign("not-the-secret", raw)
        answer = await slack.post(raw, content_type="application/json", signed=False, headers=headers)
    elif how == "missing":
        answer = await slack.post(raw, content_type="application/json", signed=False)
    else:
        headers = {"X-Slack-Signature": sign("test-signing-secret", raw)["X-Slack-Signature"]}
        answer = await slack.post(raw, content_type="application/json", signed=False, headers=headers)
    assert answer.status == 401
    await slack.settle()
    assert slack.rt.store.open_missions("support-triage") == []
    assert (
        slack.rt.redis.get(event_key(slack.rt, body["event_id"])) is None
    )  # a real delivery later still counts
    assert [c.method for c in slack.api.calls] in ([], ["auth.test"])


async def test_a_correctly_signed_request_is_answered(slack):
    body = slack.mention("ESC-1042 please")
    answer = await slack.send_event(body)
    await slack.settle()
    assert answer.status == 200 and slack.rt.redis.ttl(event_key(slack.rt, body["event_id"])) > 3000
