"""What Slack has been told is accepted is durable at the ack: the request or the click is in the inbox
(bot/core/inbox.py), so a crash right after the ack loses nothing (the recovery sweep handles the entry
once its grace period has passed, exactly once); a failure before the ack is a 500 whose retry is
processed; 429s are waited out without double posts."""

from __future__ import annotations

import time

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.commands import serve_app
from bot.core.inbox import Inbox
from bot.platforms.slack.app import event_key
from bot.platforms.slack.background import tasks_for
from bot.platforms.slack.blockkit import ACTION_APPROVE
from jobs.sweeps import sweep_recovery
from tests.handlers.slack.harness import SECRET, TOKEN, SlackHarness
from tests.handlers.slack.test_actions import parked

GRACE = 1  # seconds: the real grace timer, shortened through its setting


def crash_after_the_ack(slack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies right after answering Slack: nothing handed to the background ever runs."""
    monkeypatch.setattr(tasks_for(slack.slack), "spawn", lambda coro, **_: coro.close())


def inbox(slack) -> Inbox:
    return Inbox(redis=slack.rt.redis, prefix=slack.rt.settings.key_prefix, consumer="test")


def sweep_after_the_grace(slack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scheduler's recovery sweep: nothing before the grace period, then the entry, once."""
    settings = slack.rt.settings.model_copy(update={"recovery_grace": GRACE})
    monkeypatch.setattr(slack.rt, "settings", settings)
    sweep_recovery()  # too early: the process that acked may still be handling it
    assert inbox(slack).pending() == 1
    time.sleep(GRACE + 0.2)
    sweep_recovery()
    assert inbox(slack).pending() == 0
    sweep_recovery()  # nothing left to handle twice


async def test_a_mention_acked_is_one_mission_even_if_the_process_dies_after_the_ack(slack, monkeypatch):
    crash_after_the_ack(slack, monkeypatch)
    body = slack.mention("ESC-1042 please")
    assert (await slack.send_event(body)).status == 200
    thread = body["event"]["ts"]
    assert slack.rt.store.mission_for_thread("slack", "C0SUPPORT", thread) is None  # handled after the ack
    assert inbox(slack).pending() == 1  # ... but durable before it
    sweep_after_the_grace(slack, monkeypatch)
    mission_id = slack.rt.store.mission_for_thread("slack", "C0SUPPORT", thread)
    assert slack.rt.store.missions_of("support-triage") == [mission_id]
    [queued] = slack.posted("C0SUPPORT", thread=thread)  # through the runtime's Slack messenger
    assert f"Queued mission {mission_id}" in queued["text"]
    mission = slack.rt.store.mission(mission_id)
    assert mission.status_ref is not None and len(slack.rt.missions_queue) == 1
    created = [e for e in slack.rt.audit.events() if e["kind"] == "mission.created"]
    assert len(created) == 1


async def test_a_failure_before_the_ack_is_a_500_and_slacks_retry_is_processed(slack, monkeypatch):
    append, calls = Inbox.append, []

    async def flaky(self, kind, fields, **kw):
        calls.append(kind)
        if len(calls) == 1:
            raise ConnectionError("Redis went away")
        return await append(self, kind, fields, **kw)

    monkeypatch.setattr(Inbox, "append", flaky)
    body = slack.mention("ESC-1042 please")
    assert (await slack.send_event(body)).status == 500
    assert slack.rt.redis.get(event_key(slack.rt, body["event_id"])) is None  # not taken for a duplicate
    retried = await slack.send_event(
        body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    )
    await slack.settle()
    assert retried.status == 200 and len(calls) == 2
    assert slack.rt.store.mission_for_thread("slack", "C0SUPPORT", body["event"]["ts"]) is not None
    assert len(slack.posted("C0SUPPORT")) == 1 and inbox(slack).pending() == 0


async def test_an_approve_click_acked_is_decided_once_even_if_the_process_dies_after_the_ack(
    slack, run_jobs, monkeypatch
):
    pid, card_ts = await parked(slack, run_jobs)
    crash_after_the_ack(slack, monkeypatch)
    answer = await slack.send_interaction(slack.click(ACTION_APPROVE, pid, user="U0OWNER1", card_ts=card_ts))
    assert answer.status == 200 and slack.rt.store.proposal(pid).status == "pending"
    sweep_after_the_grace(slack, monkeypatch)
    proposal = slack.rt.store.proposal(pid)
    assert proposal.status == "approved" and proposal.decided_by == "U0OWNER1"
    decisions = [e for e in slack.rt.audit.events() if e["kind"].startswith("decision.")]
    assert len(decisions) == 1 and slack.ephemerals("U0OWNER1") == []


async def test_a_429_on_the_queued_reply_is_waited_out_and_posted_once(slack):
    slack.api.fail_next("chat.postMessage", retry_after=0)
    body = slack.mention("ESC-1042 please")
    await slack.send_event(body)
    await slack.settle()
    assert len(slack.api.calls_to("chat.postMessage", ok=False)) == 1
    [queued] = slack.posted("C0SUPPORT", thread=body["event"]["ts"])
    assert "Queued mission" in queued["text"]
    mission = slack.rt.store.mission(
        slack.rt.store.mission_for_thread("slack", "C0SUPPORT", body["event"]["ts"])
    )
    assert (
        mission.status_ref is not None
        and mission.status_ref.ts == slack.api.calls_to("chat.postMessage", ok=True)[0].response["ts"]
    )


async def test_when_redis_refuses_the_ack_path_answers_500_never_200(slack_rt, mock_slack_api, monkeypatch):
    """The asyncio client cannot reach Redis (an outage as the ack path sees it): no request is acked."""
    monkeypatch.setattr(serve_app, "redis_url", lambda settings, redis: "redis://127.0.0.1:1/0")
    app = serve_app.slack_app(slack_rt, signing_secret=SECRET, token=TOKEN, api_url=mock_slack_api.url)
    async with TestClient(TestServer(serve_app.server(slack_rt, slack=app))) as client:
        down = SlackHarness(client=client, slack=app, rt=slack_rt, api=mock_slack_api)
        assert (await down.send_event(down.mention("ESC-1042 please"))).status == 500
        click = down.click(ACTION_APPROVE, "P-nothing", user="U0OWNER1")
        assert (await down.send_interaction(click)).status == 500
        await down.settle()
    assert slack_rt.store.missions_of("support-triage") == [] and down.posted() == []
