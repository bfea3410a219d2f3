"""What Slack has been told is accepted is recorded before the ack: a crash after it loses nothing, a
failure before it is a 500 whose retry is processed, 429s are waited out without double posts."""

from __future__ import annotations

import pytest

from bot.missions.service import MissionService
from bot.platforms.slack.app import event_key
from bot.platforms.slack.background import tasks_for
from bot.platforms.slack.blockkit import ACTION_APPROVE
from tests.handlers.slack.test_actions import parked


def crash_after_the_ack(slack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process dies right after answering Slack: nothing handed to the background ever runs."""
    monkeypatch.setattr(tasks_for(slack.slack), "spawn", lambda coro, name=None: coro.close())


async def test_a_mention_acked_is_a_mission_even_if_the_process_dies_after_the_ack(slack, monkeypatch):
    crash_after_the_ack(slack, monkeypatch)
    body = slack.mention("ESC-1042 please")
    assert (await slack.send_event(body)).status == 200
    mission_id = slack.rt.store.mission_for_thread("slack", "C0SUPPORT", body["event"]["ts"])
    assert mission_id is not None and slack.rt.store.mission(mission_id).status == "queued"
    assert slack.posted() == []  # the reply was lost with the process; the recovery sweep starts the mission


async def test_a_failure_before_the_ack_is_a_500_and_slacks_retry_is_processed(slack, monkeypatch):
    create, calls = MissionService.create, []

    def flaky(self, request):
        calls.append(request)
        if len(calls) == 1:
            raise ConnectionError("Redis went away")
        return create(self, request)

    monkeypatch.setattr(MissionService, "create", flaky)
    body = slack.mention("ESC-1042 please")
    assert (await slack.send_event(body)).status == 500
    assert slack.rt.redis.get(event_key(slack.rt, body["event_id"])) is None  # not taken for a duplicate
    retried = await slack.send_event(
        body, headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"}
    )
    await slack.settle()
    assert retried.status == 200 and len(calls) == 2
    assert slack.rt.store.mission_for_thread("slack", "C0SUPPORT", body["event"]["ts"]) is not None
    assert len(slack.posted("C0SUPPORT")) == 1


async def test_an_approve_click_acked_is_decided_even_if_the_process_dies_after_the_ack(
    slack, run_jobs, monkeypatch
):
    pid, card_ts = await parked(slack, run_jobs)
    crash_after_the_ack(slack, monkeypatch)
    answer = await slack.send_interaction(slack.click(ACTION_APPROVE, pid, user="U0OWNER1", card_ts=card_ts))
    assert answer.status == 200
    assert slack.rt.store.proposal(pid).status == "approved"


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
