"""Hostile input on POST /api/messages, in local-development mode (no JWT, so every request reaches the
checks behind authentication): malformed bodies and Bot Framework activities with missing or wrong-typed
fields get a 4xx, never a 5xx, change nothing in Redis and make the bot contact no one; an activity whose
serviceUrl is not a configured host is refused before the bot would reply there."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.runtime import Runtime
from bot.platforms.teams.adaptive import APPROVE
from tests.handlers.hostile import FUZZ, JSON, Served, garbage_bytes, mutated, served, snapshot
from tests.support.teams_connector import LocalConnector
from tests.support.teams_harness import execute, mention, personal, submit, teams_app, teams_runtime

JSON_TYPE = "application/json"
REQUIRED = [
    ("type",),
    ("channelId",),
    ("serviceUrl",),
    ("from",),
    ("from", "id"),
    ("recipient",),
    ("recipient", "id"),
    ("conversation",),
    ("conversation", "id"),
]
TYPED = [
    (("id",), str),
    (("type",), str),
    (("channelId",), str),
    (("serviceUrl",), str),
    (("from",), dict),
    (("from", "id"), str),
    (("from", "aadObjectId"), str),
    (("from", "name"), str),
    (("recipient",), dict),
    (("recipient", "id"), str),
    (("conversation",), dict),
    (("conversation", "id"), str),
    (("conversation", "tenantId"), str),
    (("channelData",), dict),
    (("channelData", "tenant"), dict),
    (("channelData", "tenant", "id"), str),
    (("channelData", "channel"), dict),
    (("replyToId",), str),
    (("text",), str),
    (("timestamp",), str),
    (("entities",), list),
    (("attachments",), list),
]
INVOKE_TYPED = [
    (("name",), str),
    (("value",), dict),
    (("value", "action"), dict),
    (("value", "action", "data"), dict),
    (("value", "action", "verb"), str),
    (("value", "action", "data", "proposal_id"), str),
    (("value", "action", "data", "comment"), str),
    (("value", "trigger"), str),
]
SUBMIT_TYPED = [(("value", "proposal_id"), str), (("value", "mb_verb"), str), (("value", "reason_code"), str)]


class Elsewhere:
    """A host the bot is not configured for (this machine's non-loopback address): counts any request."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Record(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            do_PUT = do_GET = do_POST

            def log_message(self, *_: Any) -> None:
                pass

        address = next((a for a in _addresses() if not a.startswith("127.")), None)
        if address is None:
            pytest.skip("no non-loopback address on this machine")
        self.server = ThreadingHTTPServer((address, 0), Record)
        self.url = f"http://{address}:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _addresses() -> list[str]:
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outbound interface
        return [probe.getsockname()[0]]
    except OSError:
        return []
    finally:
        probe.close()


@pytest.fixture
def elsewhere() -> Iterator[Elsewhere]:
    found = Elsewhere()
    yield found
    found.stop()


@pytest.fixture
def teams(rt: Runtime, teams_connector: LocalConnector) -> Iterator[tuple[Served, Runtime]]:
    instance = teams_runtime(rt, teams_connector)
    with served(lambda: teams_app(instance, allow_anonymous=True)) as http:
        yield http, instance


def bad_service_urls(elsewhere: Elsewhere) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            elsewhere.url,
            elsewhere.url.replace("http:", "https:"),
            "https://evil.example/",
            "https://smba.trafficmanager.net.evil.example/",
            "http://smba.trafficmanager.net/",
            "https://user:pw@smba.trafficmanager.net/",
            "ftp://127.0.0.1/",
            "not a url",
            "https://[::1",
            "http://127.0.0.1:99999/",
            "file:///etc/passwd",
            "//127.0.0.1/",
        ]
    )


def malformed_requests(connector: LocalConnector, elsewhere: Elsewhere) -> st.SearchStrategy[bytes]:
    message = personal(connector, "ESC-1042 checkout was down, please credit")
    channel = mention(connector, "ESC-1042 checkout was down, please credit")
    invoke = execute(connector, APPROVE, "P0000001")
    card_submit = submit(connector, APPROVE, "P0000001")
    activities = st.one_of(
        mutated((message, REQUIRED, TYPED)),
        mutated((channel, REQUIRED, TYPED)),
        mutated((invoke, [*REQUIRED, ("name",)], [*TYPED, *INVOKE_TYPED])),
        mutated((card_submit, REQUIRED, [*TYPED, *SUBMIT_TYPED])),
        st.sampled_from([message, channel, invoke]).flatmap(
            lambda a: bad_service_urls(elsewhere).map(lambda url: {**a, "serviceUrl": url})
        ),
        st.dictionaries(
            st.sampled_from(["type", "from", "conversation", "serviceUrl", "value", "text", "id"]),
            JSON,
            max_size=5,
        ),
    )
    valid = st.sampled_from([message, channel, invoke]).map(lambda a: json.dumps(a).encode())
    return st.one_of(activities.map(lambda a: json.dumps(a).encode()), garbage_bytes(valid))


def test_malformed_activities_get_no_5xx_change_nothing_and_reach_no_one(
    teams, teams_connector: LocalConnector, elsewhere: Elsewhere, prefix: str
) -> None:
    http, instance = teams
    before = snapshot(instance.redis, prefix)
    seen: dict[int, int] = {}

    @FUZZ
    @given(
        body=malformed_requests(teams_connector, elsewhere),
        content_type=st.sampled_from([JSON_TYPE, JSON_TYPE, "application/json; charset=utf-8", "text/plain"]),
    )
    def check(body: bytes, content_type: str) -> None:
        status, answer = http.post("/api/messages", body, {"Content-Type": content_type})
        seen[status] = seen.get(status, 0) + 1
        assert 400 <= status < 500, (status, answer, body[:300])
        assert snapshot(instance.redis, prefix) == before, body[:300]

    check()
    assert teams_connector.calls == [] and elsewhere.hits == []
    assert seen.get(400) and seen.get(403), seen


def test_the_unmutated_activities_are_accepted(teams, teams_connector: LocalConnector) -> None:
    """The fuzz test's bases are real activities: unmutated, a message becomes a mission and its answer
    goes to the (allowed, local) serviceUrl, so the fuzz test's 4xx come from the mutations."""
    http, instance = teams
    status, _ = http.post(
        "/api/messages",
        json.dumps(personal(teams_connector, "ESC-1042 please credit")).encode(),
        {"Content-Type": JSON_TYPE},
    )
    assert status == 201 and len(teams_connector.posts()) == 1


def test_an_unknown_invoke_is_a_400_not_the_sdks_501(teams, teams_connector: LocalConnector) -> None:
    http, _ = teams
    invoke = {**execute(teams_connector, APPROVE, "P0000001"), "name": "composeExtension/query"}
    status, answer = http.post("/api/messages", json.dumps(invoke).encode(), {"Content-Type": JSON_TYPE})
    assert status == 400, answer


def test_an_invoke_that_is_no_card_action_remembers_nothing(
    teams, teams_connector: LocalConnector, prefix: str
) -> None:
    http, instance = teams
    invoke = execute(teams_connector, APPROVE, "P0000001")
    invoke["value"] = {"trigger": "manual"}  # no action: Universal Actions' own 400, inside the HTTP 200
    before = snapshot(instance.redis, prefix)
    status, answer = http.post("/api/messages", json.dumps(invoke).encode(), {"Content-Type": JSON_TYPE})
    assert status == 200 and json.loads(answer)["statusCode"] == 400
    assert snapshot(instance.redis, prefix) == before
