"""Hostile input on POST /slack/events: correctly signed but malformed requests (garbage, truncated, not
UTF-8, deeply nested, wrong-typed or missing fields of real payloads) get a 4xx or Slack's empty 200, never
a 5xx, and change nothing in Redis. MISSIONBOT_FUZZ_EXAMPLES raises the example count."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.commands import serve_app
from bot.core.runtime import Runtime
from bot.platforms.slack.background import tasks_for
from bot.platforms.slack.blockkit import ACTION_APPROVE
from bot.platforms.slack.modals import REJECT_MODAL
from tests.handlers.hostile import FUZZ, JSON, Served, garbage_bytes, mutated, served, snapshot
from tests.handlers.slack.harness import BOT_USER, SECRET, TOKEN, fixture
from tests.support.mock_slack_api import MockSlackApi
from tests.support.slack_signing import form_body, sign

JSON_TYPE, FORM_TYPE = "application/json", "application/x-www-form-urlencoded"


def mention() -> dict[str, Any]:
    body = fixture("event_callback_app_mention.json")
    body["event"].update(
        text=f"<@{BOT_USER}> ESC-1042 checkout was down, please credit", user="U0AGENT", channel="C0SUPPORT"
    )
    return body


def dm() -> dict[str, Any]:
    body = mention()
    body["event"].update(type="message", channel="D0DM", channel_type="im", text="ESC-1042 please credit")
    return body


def click() -> dict[str, Any]:
    body = fixture("block_actions_button_in_message.json")
    body["user"] = {"id": "U0OWNER1"}
    body["actions"][0].update(action_id=ACTION_APPROVE, value="P0000001")
    return body


def modal() -> dict[str, Any]:
    body = fixture("view_submission.json")
    body["user"] = {"id": "U0OWNER1"}
    body["view"].update(
        callback_id=REJECT_MODAL,
        private_metadata="P0000001",
        state={
            "values": {
                "reason": {"reason_code": {"type": "static_select", "selected_option": {"value": "other"}}},
                "comment": {"comment": {"type": "plain_text_input", "value": "no"}},
            }
        },
    )
    return body


EVENT_TYPED = [
    (("event", "text"), str),
    (("event", "thread_ts"), str),
    (("event", "bot_id"), str),
    (("event", "subtype"), str),
    (("event", "channel_type"), str),
    (("event", "user"), str),
    (("event", "channel"), str),
    (("event", "ts"), str),
    (("event", "type"), str),
    (("event",), dict),
    (("event_id",), str),
    (("authorizations",), list),
    (("authorizations", 0), dict),
    (("authorizations", 0, "user_id"), str),
    (("team_id",), str),
    (("type",), str),
]
TEMPLATES = {
    "mention": (
        mention(),
        [("type",), ("event_id",), ("event",), ("event", "type"), ("event", "channel"), ("event", "ts")],
        EVENT_TYPED,
    ),
    "dm": (dm(), [("event_id",), ("event",), ("event", "channel"), ("event", "ts")], EVENT_TYPED),
    "click": (
        click(),
        [
            ("type",),
            ("user",),
            ("user", "id"),
            ("actions",),
            ("actions", 0),
            ("actions", 0, "action_id"),
            ("actions", 0, "value"),
            ("trigger_id",),
        ],
        [
            (("user",), dict),
            (("user", "id"), str),
            (("channel",), dict),
            (("channel", "id"), str),
            (("container",), dict),
            (("container", "channel_id"), str),
            (("actions",), list),
            (("actions", 0), dict),
            (("actions", 0, "value"), str),
            (("actions", 0, "action_id"), str),
            (("trigger_id",), str),
            (("team",), dict),
            (("enterprise",), dict),
            (("message",), dict),
        ],
    ),
    "modal": (
        modal(),
        [
            ("type",),
            ("user",),
            ("user", "id"),
            ("view",),
            ("view", "callback_id"),
            ("view", "private_metadata"),
        ],
        [
            (("view",), dict),
            (("view", "callback_id"), str),
            (("view", "private_metadata"), str),
            (("view", "state"), dict),
            (("view", "state", "values"), dict),
            (("view", "state", "values", "reason"), dict),
            (("view", "state", "values", "reason", "reason_code", "selected_option"), dict),
            (("view", "state", "values", "reason", "reason_code", "selected_option", "value"), str),
            (("view", "state", "values", "comment", "comment", "value"), str),
            (("team",), dict),
        ],
    ),
    "url_verification": (fixture("url_verification.json"), [("challenge",)], [(("challenge",), str)]),
}
COMMAND = {
    **fixture("slash_command.parsed.json"),
    "command": "/mission",
    "text": "status M1",
    "user_id": "U0AGENT",
    "channel_id": "C0SUPPORT",
}
BAD_IDS = st.sampled_from(["", "U 1", "Ü1", "U1;DROP", "U1\n", "x" * 100, "{}", "[1]"])


def valid_bodies() -> st.SearchStrategy[tuple[bytes, str]]:
    json_bodies = st.sampled_from([t[0] for name, t in TEMPLATES.items() if name not in {"click", "modal"}])
    forms = st.sampled_from([click(), modal()])
    return st.one_of(
        json_bodies.map(lambda b: (json.dumps(b).encode(), JSON_TYPE)),
        forms.map(lambda b: (form_body(b), FORM_TYPE)),
    )


def malformed_requests() -> st.SearchStrategy[tuple[bytes, str]]:
    """(body, content type): every one malformed."""
    events = st.sampled_from(["mention", "dm", "url_verification"]).flatmap(lambda n: mutated(TEMPLATES[n]))
    interactions = st.sampled_from(["click", "modal"]).flatmap(lambda n: mutated(TEMPLATES[n]))
    command = st.one_of(
        st.sampled_from(["user_id", "channel_id"]).flatmap(
            lambda f: BAD_IDS.map(lambda v: {**COMMAND, f: v})
        ),
        st.sampled_from(["user_id", "channel_id"]).map(
            lambda f: {k: v for k, v in COMMAND.items() if k != f}
        ),
    )
    random_objects = st.dictionaries(
        st.sampled_from(
            [
                "type",
                "event",
                "event_id",
                "user",
                "actions",
                "view",
                "team",
                "channel",
                "authorizations",
                "challenge",
            ]
        ),
        JSON,
        min_size=1,
        max_size=5,
    ).map(lambda d: {**d, "type": d.get("type") if isinstance(d.get("type"), str) else "event_callback"})
    raw = garbage_bytes(valid_bodies().map(lambda p: p[0]))
    return st.one_of(
        events.map(lambda b: (json.dumps(b).encode(), JSON_TYPE)),
        interactions.map(lambda b: (form_body(b), FORM_TYPE)),
        interactions.map(lambda b: (json.dumps(b).encode(), JSON_TYPE)),
        command.map(lambda c: (urlencode(c).encode(), FORM_TYPE)),
        random_objects.map(lambda b: (json.dumps(b).encode(), JSON_TYPE)),
        st.tuples(raw, st.sampled_from([JSON_TYPE, FORM_TYPE, "text/plain"])),
    )


@pytest.fixture
def server(slack_rt: Runtime, mock_slack_api: MockSlackApi) -> Iterator[tuple[Served, Any]]:
    app = serve_app.slack_app(slack_rt, signing_secret=SECRET, token=TOKEN, api_url=mock_slack_api.url)
    with served(lambda: serve_app.server(slack_rt, slack=app)) as http:
        yield http, app


def test_signed_malformed_requests_get_no_5xx_and_change_nothing(
    server, slack_rt: Runtime, prefix: str, mock_slack_api: MockSlackApi
) -> None:
    http, app = server
    before = snapshot(slack_rt.redis, prefix)
    seen: dict[int, int] = {}

    @FUZZ
    @given(request=malformed_requests())
    def check(request: tuple[bytes, str]) -> None:
        body, content_type = request
        status, answer = http.post(
            "/slack/events", body, {"Content-Type": content_type, **sign(SECRET, body)}
        )
        seen[status] = seen.get(status, 0) + 1
        assert status < 500, (status, answer, body[:300])
        # A clear answer: a 4xx, an empty 200 (acked, nothing to do), or a modal's field error, which is how
        # Slack shows a submission's problem to the person (e.g. "no proposal P0000001").
        modal_error = (
            status == 200 and answer[:1] == b"{" and json.loads(answer).get("response_action") == "errors"
        )
        assert status != 401 and (status >= 400 or answer == b"" or modal_error), (status, answer, body[:300])
        assert snapshot(slack_rt.redis, prefix) == before, body[:300]

    check()
    assert not tasks_for(app).errors and not mock_slack_api.calls_to("chat.postMessage")
    assert seen.get(400), seen  # the fuzzing reached the shape checks, not only the parsers


def test_the_unmutated_templates_are_accepted(server, slack_rt: Runtime) -> None:
    """The fuzz test's bases are real requests: without the mutation they pass the checks (a mention
    becomes a mission), so its 400s come from the mutations."""
    http, _ = server
    for body, content_type in [
        (json.dumps(mention()).encode(), JSON_TYPE),
        (urlencode(COMMAND).encode(), FORM_TYPE),
    ]:
        status, answer = http.post(
            "/slack/events", body, {"Content-Type": content_type, **sign(SECRET, body)}
        )
        assert status == 200, answer
    # The mention is an inbox entry at the ack, and a mission once handled just after it (intake.py).
    ts, deadline = mention()["event"]["ts"], time.monotonic() + 30
    while slack_rt.store.mission_for_thread("slack", "C0SUPPORT", ts) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert slack_rt.store.mission_for_thread("slack", "C0SUPPORT", ts) is not None


def test_an_unsigned_malformed_body_is_refused_before_it_is_parsed(server) -> None:
    http, _ = server
    for headers in (
        {},
        {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=1"},
        {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=é"},
    ):
        status, _ = http.post("/slack/events", b"\xff[[[", {"Content-Type": JSON_TYPE, **headers})
        assert status == 401


def test_an_event_no_listener_takes_gets_slacks_empty_200(server, slack_rt: Runtime, prefix: str) -> None:
    http, _ = server
    body = mention()
    body["event"] = {"type": "reaction_added", "user": {"id": "not a string id"}, "item": 3}
    raw = json.dumps(body).encode()
    before = snapshot(slack_rt.redis, prefix)
    status, answer = http.post("/slack/events", raw, {"Content-Type": JSON_TYPE, **sign(SECRET, raw)})
    assert (status, answer) == (200, b"") and snapshot(slack_rt.redis, prefix) == before


def test_an_event_type_that_is_no_string_is_a_400(server) -> None:
    http, _ = server
    for where in ("event", "body"):
        for kind in ([], {"a": 1}):  # once a 500: a list looked up in a set of type names
            body = mention()
            (body["event"] if where == "event" else body)["type"] = kind
            raw = json.dumps(body).encode()
            status, _ = http.post("/slack/events", raw, {"Content-Type": JSON_TYPE, **sign(SECRET, raw)})
            assert status == 400, (where, kind)
