"""Sending the digest: to the digest channel (else the owner), rich where the messenger can, once per week."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from bot import app
from bot.core.models import MessageRef
from bot.missions.digest.home import chart_key
from bot.missions.digest.send import due_week, send, send_if_due
from bot.platforms.console.messenger import ConsoleMessenger
from tests.bot.missions.digest.test_render import SCHEMA
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

    def post_blocks(self, *, conversation, text, blocks) -> MessageRef:
        self.digests.append((conversation, blocks[0]["text"]["text"]))
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
    assert rich.digests == [("U0MANAGER", "Weekly digest: Support Triage, 2026-11-16 to 2026-11-23")]


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
    [message] = [c for c in mock_slack_api.calls_to("chat.postMessage") if c.ok]  # the mock checks the limits
    assert message.params["text"].startswith("Weekly digest: Support Triage")
    blocks = message.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    assert blocks[0]["type"] == "header" and "*Decisions*" in blocks[2]["text"]["text"]
    [trends] = [b for b in blocks if b["type"] == "section" and b["text"]["text"].startswith("*Trends")]
    assert "```Missions trend: " in trends["text"]["text"]  # the sparklines in a code block
    assert any(b["type"] == "context" and "How these are counted" in json.dumps(b) for b in blocks)
    [shared] = mock_slack_api.workspace.files.values()
    assert shared["channel"] == shared_in and shared["content"].startswith(b"\x89PNG")
    assert shared["title"].startswith("Weekly digest: Support Triage")
    assert shared["alt_txt"].startswith("Chart of Support Triage over the last 8 weeks")
    [file_id] = mock_slack_api.workspace.files
    assert rt.redis.get(chart_key(rt, "support-triage", "slack")).decode() == file_id  # App Home shows it


def test_on_teams_the_digest_is_one_adaptive_card_with_its_facts_and_the_chart(clocked, teams_connector):
    import jsonschema  # noqa: PLC0415

    from bot.platforms.teams.messenger import TeamsMessenger  # noqa: PLC0415 (botbuilder: Teams only)
    from tests.bot.platforms.teams.test_endpoint import seed_reference  # noqa: PLC0415
    from tests.support.teams_harness import APPROVALS  # noqa: PLC0415

    rt, _ = clocked
    rt.settings = rt.settings.model_copy(update={"public_url": "https://bot.example.com"})
    rt.messengers.add(TeamsMessenger(store=rt.store, settings=rt.settings, attempts=1))
    seed_reference(rt, teams_connector)
    worker = rt.workers["support-triage"]
    schedule = worker.digest.model_copy(update={"platform": "teams"})
    rt.workers["support-triage"] = worker.model_copy(update={"digest": schedule, "digest_channel": APPROVALS})
    _, ref = send(rt, "support-triage")
    [posted] = teams_connector.posts()  # one message: the figures and the chart together
    assert ref.ts and len(json.dumps(posted.body)) < 28_000  # Teams' message size
    card = posted.body["attachments"][0]["content"]
    stripped = copy.deepcopy(card)
    assert stripped.pop("msteams") == {"width": "Full"}
    jsonschema.Draft6Validator(SCHEMA).validate(stripped)
    title, image, *rest = card["body"]
    assert title["text"].startswith("Weekly digest: Support Triage")
    assert image["type"] == "Image" and image["url"].startswith("https://bot.example.com/images/")
    assert image["altText"].startswith("Chart of Support Triage over the last 8 weeks")
    facts = {f["title"]: f["value"] for b in rest if b["type"] == "FactSet" for f in b["facts"]}
    assert facts["Missions"] == "0 → (was 0)" and "Acceptance" in facts
    assert any(b.get("fontType") == "Monospace" and "Missions trend: " in b["text"] for b in rest)
