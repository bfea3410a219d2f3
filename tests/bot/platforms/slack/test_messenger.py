"""SlackMessenger against the Slack-strict mock Web API, through a real slack_sdk WebClient."""

from __future__ import annotations

import pytest
from redis import Redis
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.app import default_messengers
from bot.core.models import MessageRef
from bot.core.settings import Settings
from bot.platforms.slack.client import slack_client
from bot.platforms.slack.messenger import SlackMessenger
from bot.platforms.slack.modals import REJECT_MODAL
from tests.bot.core.card_factories import DECIDED, card
from tests.support.mock_slack_api import MockSlackApi

THREAD = "1700000000.000001"


def _messenger(api: MockSlackApi) -> SlackMessenger:
    settings = Settings(SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=api.url.rstrip("/"))
    return SlackMessenger(client=slack_client(settings))


def test_a_40000_character_trace_posts_as_several_accepted_messages_without_unfurls(
    mock_slack_api: MockSlackApi,
) -> None:
    lines = [f"step {i}: looked at https://tickets.example/{i} <& found {'x' * (i % 90)}" for i in range(600)]
    trace = "\n".join(lines)[:40_000]
    assert len(trace) == 40_000

    ref = _messenger(mock_slack_api).post(conversation="C0SUPPORT", thread=THREAD, text=trace)

    calls = mock_slack_api.calls_to("chat.postMessage")
    assert len(calls) > 1 and all(c.ok for c in calls)
    assert all(c.params["unfurl_links"] is False and c.params["unfurl_media"] is False for c in calls)
    assert all(c.params["thread_ts"] == THREAD and len(c.params["text"]) <= 3000 for c in calls)
    posted = [m["text"] for m in mock_slack_api.messages("C0SUPPORT")]
    unescaped = "\n".join(posted).replace("&lt;", "<").replace("&amp;", "&")
    assert unescaped == trace  # nothing lost: chunks break only on line boundaries here
    assert ref == MessageRef(
        platform="slack", conversation="C0SUPPORT", ts=calls[0].response["ts"], thread=THREAD
    )


def test_tool_text_is_escaped_and_only_the_cores_user_markers_become_mentions(
    mock_slack_api: MockSlackApi,
) -> None:
    text = "Ticket says: <!channel> look, ask <@U123> or <https://evil|click>; awaiting approval by @U0OWNER1"

    _messenger(mock_slack_api).post(conversation="C0SUPPORT", thread=THREAD, text=text)

    (message,) = mock_slack_api.messages("C0SUPPORT")
    assert message["text"] == (
        "Ticket says: &lt;!channel&gt; look, ask &lt;@U123&gt; or &lt;https://evil|click&gt;;"
        " awaiting approval by <@U0OWNER1>"
    )


def test_a_429_is_retried_after_retry_after_and_lands_exactly_once(mock_slack_api: MockSlackApi) -> None:
    messenger = _messenger(mock_slack_api)
    assert any(isinstance(h, RateLimitErrorRetryHandler) for h in messenger.client.retry_handlers)
    mock_slack_api.fail_next("chat.postMessage", status=429, retry_after=1)

    ref = messenger.post(conversation="C0APPROVALS", thread=None, text="card", card=card())

    calls = mock_slack_api.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    (message,) = mock_slack_api.messages("C0APPROVALS")
    assert message["ts"] == ref.ts and message["blocks"][0]["text"]["text"].startswith("*Approval needed*")


def test_card_post_then_update_uses_chat_update_and_drops_the_buttons(mock_slack_api: MockSlackApi) -> None:
    messenger = _messenger(mock_slack_api)
    ref = messenger.post(conversation="C0APPROVALS", thread=None, text="Approval needed", card=card())
    assert any(b["type"] == "actions" for b in mock_slack_api.messages("C0APPROVALS")[0]["blocks"])

    decided = card(
        status="rejected",
        decided_by="U0OWNER2",
        decided_at=DECIDED,
        decided_on="slack",
        reason_code="wrong_amount",
    )
    messenger.update(ref, text="Rejected", card=decided)

    (update,) = mock_slack_api.calls_to("chat.update", ok=True)
    assert (update.params["channel"], update.params["ts"]) == ("C0APPROVALS", ref.ts)
    (message,) = mock_slack_api.messages("C0APPROVALS")
    assert not any(b["type"] == "actions" for b in message["blocks"])
    assert "✋ Rejected by <@U0OWNER2>" in message["blocks"][-1]["elements"][0]["text"]
    assert [c.method for c in mock_slack_api.calls] == ["chat.postMessage", "chat.update"]


def test_status_update_of_plain_text_is_truncated_not_rejected(mock_slack_api: MockSlackApi) -> None:
    messenger = _messenger(mock_slack_api)
    ref = messenger.post(conversation="C0SUPPORT", thread=THREAD, text="🧭 queued")

    messenger.update(ref, text="gathering " + "<" * 20_000, card=None)

    (message,) = mock_slack_api.messages("C0SUPPORT")
    assert len(message["text"]) <= 3000 and "(truncated: " in message["text"]


def test_ephemeral_uses_chat_post_ephemeral(mock_slack_api: MockSlackApi) -> None:
    _messenger(mock_slack_api).ephemeral(
        conversation="C0APPROVALS", user="U0OWNER1", text="Already decided by @U0OWNER2"
    )

    (call,) = mock_slack_api.calls_to("chat.postEphemeral", ok=True)
    assert call.params["user"] == "U0OWNER1" and call.params["text"] == "Already decided by <@U0OWNER2>"


def test_home_and_reject_modal_go_through_views_publish_and_views_open(mock_slack_api: MockSlackApi) -> None:
    messenger = _messenger(mock_slack_api)

    messenger.publish_home("U0OWNER1", [card(id=f"P{i}") for i in range(80)])
    view_id = messenger.open_reject_modal("1.2.trigger", card())

    (publish,) = mock_slack_api.calls_to("views.publish", ok=True)
    assert publish.params["user_id"] == "U0OWNER1" and len(publish.params["view"]["blocks"]) <= 100
    assert mock_slack_api.workspace.views[view_id]["callback_id"] == REJECT_MODAL


def test_default_messengers_add_slack_when_a_bot_token_is_set(
    mock_slack_api: MockSlackApi, redis: Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    without = default_messengers(settings=Settings(MISSIONBOT_KEY_PREFIX=prefix), redis=redis)
    assert "slack" not in without and "console" in without

    settings = Settings(
        MISSIONBOT_KEY_PREFIX=prefix, SLACK_BOT_TOKEN="xoxb-test", SLACK_API_URL=mock_slack_api.url
    )
    messenger = default_messengers(settings=settings, redis=redis).get("slack")
    messenger.post(conversation="C0SUPPORT", thread=None, text="hello")
    (call,) = mock_slack_api.calls_to("chat.postMessage", ok=True)
    assert call.headers["Authorization"] == "Bearer xoxb-test"


def test_a_worker_posts_under_its_own_name_and_icon(mock_slack_api: MockSlackApi) -> None:
    from bot.core.messenger import Messengers
    from bot.core.sender import Sender

    messengers = Messengers(_messenger(mock_slack_api))
    triage = messengers.get("slack", sender=Sender("Support Triage", ":ticket:"))
    triage.post(conversation="C0SUPPORT", thread=THREAD, text="a trace line")
    agent = Sender("Support Agent", ":robot_face:", "https://example.test/agent.png")
    messengers.get("slack", sender=agent).post(
        conversation="C0SUPPORT", thread=THREAD, text="a card", card=card()
    )
    messengers.get("slack").post(conversation="C0SUPPORT", thread=THREAD, text="as the bot")
    first, second, third = mock_slack_api.messages("C0SUPPORT")[-3:]
    assert (first["username"], first["icons"]) == ("Support Triage", {"emoji": ":ticket:"})
    assert (second["username"], second["icons"]) == (
        "Support Agent",
        {"image_48": "https://example.test/agent.png"},
    )
    assert "username" not in third and "icons" not in third
    assert all(c.ok for c in mock_slack_api.calls_to("chat.postMessage"))
