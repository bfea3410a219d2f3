"""The mock Slack Web API must behave like Slack for the real slack_sdk clients, or bot tests lie."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.support.mock_slack_api import MockSlackApi
from tests.support.slack_signing import command_body, sign

# Listed here too so this module runs even before tests/conftest.py registers the plugin.
pytest_plugins = ["tests.support.fixtures_slack"]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
TOKEN = "xoxb-test"


def _client(api: MockSlackApi, **kwargs: Any) -> WebClient:
    return WebClient(token=TOKEN, base_url=api.url, **kwargs)


def _section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def _button(text: str = "Go", value: str = "v", action_id: str = "go") -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "value": value,
        "action_id": action_id,
    }


def _actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


# -- recording and answers ---------------------------------------------------------------------


def test_post_message_answers_like_slack_and_records_the_call(mock_slack_api: MockSlackApi) -> None:
    client = _client(mock_slack_api)
    first = client.chat_postMessage(channel="C111", text="hello", blocks=[_section("hello")])
    second = client.chat_postMessage(channel="C111", text="again", thread_ts=first["ts"])

    assert first["channel"] == "C111"
    assert re.fullmatch(r"\d{10}\.\d{6}", first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["text"] == "hello" and first["message"]["bot_id"] == "BBOT"
    call = mock_slack_api.calls_to("chat.postMessage")[0]
    assert call.params == {"channel": "C111", "text": "hello", "blocks": [_section("hello")]}
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert call.ok
    assert [m["text"] for m in mock_slack_api.messages("C111")] == ["hello", "again"]
    assert mock_slack_api.messages("C111")[1]["thread_ts"] == first["ts"]


def test_form_encoded_blocks_sent_as_json_string_are_decoded(mock_slack_api: MockSlackApi) -> None:
    blocks = [_section("from a form")]
    _client(mock_slack_api).api_call(
        "chat.postMessage", params={"channel": "C111", "text": "t", "blocks": json.dumps(blocks)}
    )

    call = mock_slack_api.calls_to("chat.postMessage")[0]
    assert call.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert call.params["blocks"] == blocks


def test_malformed_blocks_json_in_form_is_invalid_blocks_format(mock_slack_api: MockSlackApi) -> None:
    with pytest.raises(SlackApiError) as raised:
        _client(mock_slack_api).api_call("chat.postMessage", params={"channel": "C1", "blocks": "[{oops"})
    assert raised.value.response["error"] == "invalid_blocks_format"


def test_auth_test_identifies_the_bot(mock_slack_api: MockSlackApi) -> None:
    answer = _client(mock_slack_api).auth_test()
    assert (answer["user_id"], answer["bot_id"], answer["team_id"]) == ("UBOT", "BBOT", "T111")
    assert answer["url"] == "https://example.slack.com/"
    assert "chat:write" in answer.headers["X-OAuth-Scopes"]


def test_missing_token_is_not_authed(mock_slack_api: MockSlackApi) -> None:
    with pytest.raises(SlackApiError) as raised:
        WebClient(base_url=mock_slack_api.url).chat_postMessage(channel="C1", text="x")
    assert raised.value.response["error"] == "not_authed"


def test_unknown_methods_answer_ok(mock_slack_api: MockSlackApi) -> None:
    assert _client(mock_slack_api).reactions_add(channel="C1", timestamp="1.2", name="eyes")["ok"] is True


# -- chat.update / postEphemeral / replies -----------------------------------------------------


def test_update_changes_a_posted_message(mock_slack_api: MockSlackApi) -> None:
    client = _client(mock_slack_api)
    posted = client.chat_postMessage(channel="C111", text="pending")
    updated = client.chat_update(channel="C111", ts=posted["ts"], text="approved")

    assert (updated["channel"], updated["ts"], updated["text"]) == ("C111", posted["ts"], "approved")
    assert mock_slack_api.messages("C111")[0]["text"] == "approved"


@pytest.mark.parametrize("channel,ts", [("C111", "1699999999.000001"), ("C999", None)])
def test_update_of_unknown_ts_is_message_not_found(
    mock_slack_api: MockSlackApi, channel: str, ts: str | None
) -> None:
    client = _client(mock_slack_api)
    posted = client.chat_postMessage(channel="C111", text="x")
    with pytest.raises(SlackApiError) as raised:
        client.chat_update(channel=channel, ts=ts or posted["ts"], text="y")  # ts of another channel
    assert raised.value.response["error"] == "message_not_found"


def test_post_ephemeral_returns_message_ts_and_stores_nothing(mock_slack_api: MockSlackApi) -> None:
    answer = _client(mock_slack_api).chat_postEphemeral(channel="C111", user="U111", text="only you")
    assert re.fullmatch(r"\d{10}\.\d{6}", answer["message_ts"])
    assert mock_slack_api.messages() == []


def test_conversations_replies_returns_a_seeded_thread(mock_slack_api: MockSlackApi) -> None:
    parent = mock_slack_api.seed_message("C111", "deploy please", user="U222")
    client = _client(mock_slack_api)
    client.chat_postMessage(channel="C111", text="on it", thread_ts=parent)

    messages = client.conversations_replies(channel="C111", ts=parent)["messages"]
    assert [m["text"] for m in messages] == ["deploy please", "on it"]
    assert messages[0]["reply_count"] == 1
    with pytest.raises(SlackApiError) as raised:
        client.conversations_replies(channel="C111", ts="1.000001")
    assert raised.value.response["error"] == "thread_not_found"


def test_users_info_has_a_sensible_user(mock_slack_api: MockSlackApi) -> None:
    mock_slack_api.workspace.users["U222"] = {"real_name": "Ada Lovelace", "tz": "Europe/London"}
    user = _client(mock_slack_api).users_info(user="U222")["user"]
    assert (user["id"], user["real_name"], user["tz"], user["is_bot"]) == (
        "U222",
        "Ada Lovelace",
        "Europe/London",
        False,
    )


# -- limits ------------------------------------------------------------------------------------

REJECTED_MESSAGES: list[tuple[str, dict[str, Any], str, str]] = [
    ("51 blocks", {"blocks": [{"type": "divider"}] * 51}, "invalid_blocks", "/blocks]"),
    ("section text", {"blocks": [_section("x" * 3001)]}, "invalid_blocks", "/blocks/0/text/text]"),
    (
        "section field",
        {"blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * 2001}]}]},
        "invalid_blocks",
        "/blocks/0/fields/0/text]",
    ),
    (
        "header",
        {"blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]},
        "invalid_blocks",
        "/blocks/0/text/text]",
    ),
    (
        "context",
        {"blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x" * 3001}]}]},
        "invalid_blocks",
        "/blocks/0/elements/0/text]",
    ),
    (
        "button value",
        {"blocks": [_actions(_button(value="x" * 2001))]},
        "invalid_blocks",
        "/elements/0/value]",
    ),
    (
        "button text",
        {"blocks": [_actions(_button(text="x" * 76))]},
        "invalid_blocks",
        "/elements/0/text/text]",
    ),
    ("action_id", {"blocks": [_actions(_button(action_id="a" * 256))]}, "invalid_blocks", "/action_id]"),
    (
        "accessory action_id",
        {"blocks": [_section("x", accessory=_button(action_id="a" * 256))]},
        "invalid_blocks",
        "/blocks/0/accessory/action_id]",
    ),
    ("block_id", {"blocks": [_section("x", block_id="b" * 256)]}, "invalid_blocks", "/blocks/0/block_id]"),
    (
        "duplicate block_id",
        {"blocks": [_section("a", block_id="same"), _section("b", block_id="same")]},
        "invalid_blocks",
        "/blocks/1/block_id]",
    ),
    ("text", {"text": "x" * 40_001}, "msg_too_long", ""),
    ("blocks json", {"blocks": [_section("x" * 2900) for _ in range(5)]}, "msg_blocks_too_long", ""),
    ("nothing", {}, "no_text", ""),
]


@pytest.mark.parametrize(
    "payload,error,pointer", [r[1:] for r in REJECTED_MESSAGES], ids=[r[0] for r in REJECTED_MESSAGES]
)
@pytest.mark.filterwarnings("ignore::UserWarning")  # slack_sdk warns when blocks come without text
def test_messages_slack_rejects_are_rejected(
    mock_slack_api: MockSlackApi, payload: dict[str, Any], error: str, pointer: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        _client(mock_slack_api).chat_postMessage(channel="C111", **payload)

    answer = raised.value.response
    assert answer["error"] == error
    if pointer:
        assert any(m.endswith(pointer) for m in answer["response_metadata"]["messages"]), answer.data
    assert mock_slack_api.messages() == []
    assert not mock_slack_api.calls_to("chat.postMessage")[0].ok


def test_limits_also_apply_to_update_and_ephemeral(mock_slack_api: MockSlackApi) -> None:
    client = _client(mock_slack_api)
    ts = client.chat_postMessage(channel="C111", text="x")["ts"]
    for call in (
        lambda: client.chat_update(channel="C111", ts=ts, text="y", blocks=[_section("x" * 3001)]),
        lambda: client.chat_postEphemeral(channel="C111", user="U1", text="x" * 40_001),
    ):
        with pytest.raises(SlackApiError):
            call()
    assert mock_slack_api.messages("C111")[0]["text"] == "x"


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_values_exactly_at_the_limits_are_accepted(mock_slack_api: MockSlackApi) -> None:
    client = _client(mock_slack_api)
    client.chat_postMessage(channel="C1", text="x" * 40_000)
    client.chat_postMessage(channel="C1", blocks=[{"type": "divider"}] * 50)
    client.chat_postMessage(
        channel="C1",
        blocks=[
            _section("x" * 3000, block_id="b" * 255),
            {"type": "header", "text": {"type": "plain_text", "text": "h" * 150}},
            _actions(_button(text="t" * 75, value="v" * 2000, action_id="a" * 255)),
        ],
    )
    assert len(mock_slack_api.messages()) == 3


def test_views_allow_100_blocks_and_reject_101(mock_slack_api: MockSlackApi) -> None:
    client = _client(mock_slack_api)
    home = {"type": "home", "blocks": [{"type": "divider"}] * 100}
    assert client.views_publish(user_id="U1", view=home)["view"]["id"].startswith("V")

    with pytest.raises(SlackApiError) as raised:
        client.views_publish(user_id="U1", view={**home, "blocks": home["blocks"] + [{"type": "divider"}]})
    # Slack reports view problems as invalid_arguments with pointers under /view.
    assert raised.value.response["error"] == "invalid_arguments"
    assert raised.value.response["response_metadata"]["messages"] == [
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
    ]


# -- views -------------------------------------------------------------------------------------


def test_views_open_update_and_publish(mock_slack_api: MockSlackApi) -> None:
    client = _client(mock_slack_api)
    modal = {"type": "modal", "callback_id": "kill", "title": {"type": "plain_text", "text": "Kill worker"}}
    opened = client.views_open(trigger_id="111.222.abc", view=modal)["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "kill"

    updated = client.views_update(view_id=opened["id"], view={**modal, "private_metadata": "w1"})["view"]
    assert (updated["id"], updated["private_metadata"]) == (opened["id"], "w1")
    with pytest.raises(SlackApiError) as raised:
        client.views_update(view_id="V404", view=modal)
    assert raised.value.response["error"] == "not_found"

    first = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]["id"]
    again = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})["view"]["id"]
    assert first == again  # a user's Home tab keeps its view id


# -- failure injection -------------------------------------------------------------------------


def test_fail_next_answers_429_with_retry_after_once(mock_slack_api: MockSlackApi) -> None:
    mock_slack_api.fail_next("chat.postMessage", retry_after=7)
    client = _client(mock_slack_api)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C111", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["Retry-After"] == "7"

    assert client.chat_postMessage(channel="C111", text="x")["ok"]


def test_rate_limit_retry_handler_gets_through_after_one_429(mock_slack_api: MockSlackApi) -> None:
    # retry_after=0 keeps the test fast; RateLimitErrorRetryHandler sleeps Retry-After + random()<1s.
    mock_slack_api.fail_next("chat.postMessage", retry_after=0)
    client = _client(mock_slack_api, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)])

    answer = client.chat_postMessage(channel="C111", text="after the storm")

    assert answer["ok"]
    calls = mock_slack_api.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]  # every attempt is recorded ...
    assert len(mock_slack_api.calls_to("chat.postMessage", ok=True)) == 1  # ... one took effect
    assert [m["text"] for m in mock_slack_api.messages()] == ["after the storm"]


def test_fail_next_error_answers_a_slack_error_once(mock_slack_api: MockSlackApi) -> None:
    mock_slack_api.fail_next_error("chat.postMessage", "channel_not_found")
    client = _client(mock_slack_api)
    with pytest.raises(SlackApiError) as raised:
        client.chat_postMessage(channel="C111", text="x")
    assert raised.value.response.status_code == 200
    assert raised.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C111", text="x")["ok"]
    assert len(mock_slack_api.messages()) == 1


def test_reset_forgets_calls_failures_and_messages(mock_slack_api: MockSlackApi) -> None:
    client = _client(mock_slack_api)
    client.chat_postMessage(channel="C111", text="x")
    mock_slack_api.fail_next("chat.postMessage")
    mock_slack_api.reset()
    assert mock_slack_api.calls == [] and mock_slack_api.messages() == []
    assert client.chat_postMessage(channel="C111", text="x")["ok"]


# -- async clients and Bolt --------------------------------------------------------------------


@pytest.mark.asyncio
async def test_async_client_and_bolt_app_use_the_mock(mock_slack_api: MockSlackApi) -> None:
    app = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=mock_slack_api.url), signing_secret="secret")

    @app.command("/hello-world")
    async def hello(ack: Any, say: Any, command: dict[str, Any]) -> None:
        await ack()
        await say(f"hi <@{command['user_id']}>")

    fields = json.loads((FIXTURES / "slash_command.parsed.json").read_text())
    body = command_body(fields)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign("secret", body)}
    response = await app.async_dispatch(AsyncBoltRequest(body=body.decode(), headers=headers))

    assert response.status == 200
    assert [c.method for c in mock_slack_api.calls] == ["auth.test", "chat.postMessage"]
    assert mock_slack_api.messages("C111")[0]["text"] == "hi <@W111>"
