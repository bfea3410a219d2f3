"""Sending the digest: to the digest channel (else the owner), rich where the messenger can, once per week."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import app
from bot.core.models import MessageRef
from bot.missions.digest.home import chart_key
from bot.missions.digest.send import due_week, send, send_if_due
from bot.platforms.console.messenger import ConsoleMessenger
from tests.support.clock import Clock, clocked_runtime

MONDAY_0905_BERLIN = datetime(2026, 11, 23, 8, 5, tzinfo=UTC)


@pytest.fixture
def clocked(settings, redis, tmp_path):
    clock = Clock(MONDAY_0905_BERLIN)
    rt = clocked_runtime(settings.model_copy(update={"chart_dir": tmp_path}), redis, clock)
    yield rt, clock
    app.install(None)


def posted(rt, conversation: str) -> list[str]:
    read = ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()
    return [m["text"] for _, m in read if m["conversation"] == conversation]


class RichMessenger:
    platform = "console"

    def __init__(self) -> None:
        self.digests: list[tuple[str, str]] = []

    def post_digest(self, *, conversation, digest) -> MessageRef:
        self.digests.append((conversation, digest.worker))
        return MessageRef(platform="console", conversation=conversation, ts="1")


def test_the_digest_goes_to_the_digest_channel_as_text_and_is_audited(clocked, tmp_path):
    rt, _ = clocked
    digest, ref = send(rt, "support-triage")
    # On demand, the window ends at the end of the current hour: read from the hourly rollups.
    assert ref.conversation == "C0MANAGERS" and digest.end == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    # The console shows no image: the chart is written to a file and the shell prints its path.
    text, chart_line = posted(rt, "C0MANAGERS")
    assert text.startswith("Weekly digest: Support Triage")
    path = tmp_path / "weekly-digest-support-triage-2026-11-16-to-2026-11-23.png"
    assert chart_line.startswith(f"📈 Chart: {path}\nChart of Support Triage over the last 8 weeks")
    assert path.read_bytes().startswith(b"\x89PNG")
    [event] = [e for e in rt.audit.events() if e["kind"] == "digest.sent"]
    assert event["data"]["conversation"] == "C0MANAGERS" and event["data"]["platform"] == "console"


def test_without_a_digest_channel_the_owner_gets_it_and_a_rich_messenger_renders_its_own(clocked):
    rt, _ = clocked
    worker = rt.workers["support-triage"]
    rt.workers["support-triage"] = worker.model_copy(update={"digest_channel": None})
    rich = RichMessenger()
    rt.messengers.add(rich)
    send(rt, "support-triage")
    assert rich.digests == [("U0MANAGER", "support-triage")]


def test_due_week_waits_for_the_local_day_and_hour(clocked):
    rt, clock = clocked  # the shipped schedule: Monday 09:00 Berlin
    assert due_week(rt, "support-triage") == "2026-W48"
    clock.now = datetime(2026, 11, 23, 7, 59, tzinfo=UTC)  # 08:59 Berlin
    assert due_week(rt, "support-triage") is None
    clock.now = datetime(2026, 11, 24, 8, 5, tzinfo=UTC)  # Tuesday
    assert due_week(rt, "support-triage") is None


def test_send_if_due_sends_once_per_week_and_a_failed_send_can_be_retried(clocked):
    rt, _ = clocked

    class Down(ConsoleMessenger):
        def post(self, **kwargs):
            raise ConnectionError("platform down")

    rt.messengers.add(Down(redis=rt.redis, prefix=rt.settings.key_prefix))
    with pytest.raises(ConnectionError):
        send_if_due(rt, "support-triage")
    rt.messengers.add(
        ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix, chart_dir=rt.settings.chart_dir)
    )
    assert send_if_due(rt, "support-triage") is True  # the marker was released by the failure
    assert send_if_due(rt, "support-triage") is False
    assert len(posted(rt, "C0MANAGERS")) == 2  # the digest and its chart's path, once


@pytest.mark.parametrize(("channel", "shared_in"), [("C0MANAGERS", "C0MANAGERS"), (None, "D0MANAGER")])
def test_on_slack_the_chart_is_uploaded_into_the_digest_channel_or_dm(
    clocked, mock_slack_api, channel, shared_in
):
    from slack_sdk import WebClient  # noqa: PLC0415 (only this test needs the SDK)

    from bot.platforms.slack.messenger import SlackMessenger  # noqa: PLC0415

    rt, _ = clocked
    rt.messengers.add(SlackMessenger(client=WebClient(token="xoxb-test", base_url=mock_slack_api.url)))
    worker = rt.workers["support-triage"]
    schedule = worker.digest.model_copy(update={"platform": "slack"})
    rt.workers["support-triage"] = worker.model_copy(update={"digest": schedule, "digest_channel": channel})
    send(rt, "support-triage")
    [message] = [c for c in mock_slack_api.calls_to("chat.postMessage") if c.ok]
    assert message.params["text"].startswith("Weekly digest: Support Triage")
    [shared] = mock_slack_api.workspace.files.values()
    assert shared["channel"] == shared_in and shared["content"].startswith(b"\x89PNG")
    assert shared["title"].startswith("Weekly digest: Support Triage")
    assert shared["alt_txt"].startswith("Chart of Support Triage over the last 8 weeks")
    [file_id] = mock_slack_api.workspace.files
    assert rt.redis.get(chart_key(rt, "support-triage", "slack")).decode() == file_id  # App Home shows it
