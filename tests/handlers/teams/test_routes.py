"""POST /api/messages end to end: Bot Framework activities in, a local connector records what the bot says."""

from __future__ import annotations

import time

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.commands import serve_cmd
from bot.missions.service import BLANK_REQUEST
from bot.platforms.teams.adaptive import APPROVE, CONTENT_TYPE, REFRESH, REJECT
from tests.support.teams_connector import APP_ID, OUTBOUND_TOKEN
from tests.support.teams_harness import (
    OWNER,
    TENANT,
    execute,
    mention,
    personal,
    submit,
    teams_app,
    teams_runtime,
)


async def post(app, raw: dict, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/api/messages", json=raw, headers=headers)
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body


async def parked_proposal(rt, teams_connector, run_jobs) -> str:
    app = teams_app(rt, allow_anonymous=True)
    status, _ = await post(app, mention(teams_connector, "ESC-1042 checkout was down, please credit"))
    assert status == 201
    run_jobs()
    mission_id = rt.store.mission_for_thread(
        "teams", "19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.skype", "1481567603816"
    )
    return rt.store.mission(mission_id).proposals[0]


def credits(rt) -> list[dict]:
    from bot.demo.helpdesk import HelpdeskBackend

    return HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()


async def test_a_channel_mention_becomes_a_mission_whose_thread_and_card_land_in_teams(
    rt, teams_connector, run_jobs
):
    rt = teams_runtime(rt, teams_connector, approvals_channels={"teams": "19:approvals@thread.tacv2"})
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    mission = rt.store.mission(rt.store.proposal(pid).mission_id)
    assert (mission.platform, mission.requester) == ("teams", "29:9e52142b-5e5e-4d7b-bb3e-e82dcf620000")
    posts = teams_connector.posts()
    assert "Queued mission" in posts[0].body["text"]
    thread = "/v3/conversations/19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.skype;messageid=1481567603816/"
    assert all(p.path.startswith(thread) for p in posts[:-1]) and len(posts) >= 5  # reply, observations
    assert all(p.path == thread + "activities" for p in posts[1:-1])  # proactive: SendToConversation
    card = posts[-1]
    assert card.path == "/v3/conversations/19:approvals@thread.tacv2/activities"  # top level, not a reply
    assert card.body["attachments"][0]["contentType"] == CONTENT_TYPE
    assert rt.store.proposal(pid).cards[0].platform == "teams"


async def test_execute_answers_with_the_updated_card_and_a_submit_cannot_decide_twice(
    rt, teams_connector, run_jobs
):
    rt = teams_runtime(rt, teams_connector)
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    app = teams_app(rt, allow_anonymous=True)
    status, body = await post(app, execute(teams_connector, APPROVE, pid))
    # The invoke response: HTTP 200 with {statusCode, type, value} and the card as the approver now sees it.
    assert status == 200 and set(body) == {"statusCode", "type", "value"}
    assert (body["statusCode"], body["type"]) == (200, CONTENT_TYPE)
    assert "actions" not in body["value"] and f"by {OWNER} on Teams" in body["value"]["body"][-1]["text"]

    before = len(teams_connector.posts())
    status, _ = await post(
        app, submit(teams_connector, APPROVE, pid, user="U0OWNER2")
    )  # legacy Action.Submit
    assert status == 201
    # the card's header words (its fallback text): who decided
    assert f"Approved by {OWNER}" in teams_connector.posts()[before].body["text"]
    run_jobs()
    assert rt.store.proposal(pid).status == "executed" and [c["amount"] for c in credits(rt)] == [40.0]
    assert [e["actor"] for e in rt.audit.events() if e["kind"] == "decision.approved"] == [OWNER]
    assert teams_connector.updates(), "the card copy was updated in place"


async def test_a_submit_alone_reaches_the_same_decision_path(rt, teams_connector, run_jobs):
    rt = teams_runtime(rt, teams_connector)
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    status, _ = await post(teams_app(rt, allow_anonymous=True), submit(teams_connector, APPROVE, pid))
    assert status == 201 and rt.store.proposal(pid).decided_by == OWNER
    run_jobs()
    assert [c["amount"] for c in credits(rt)] == [40.0]


async def test_an_automatic_refresh_never_decides(rt, teams_connector, run_jobs):
    rt = teams_runtime(rt, teams_connector)
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    app = teams_app(rt, allow_anonymous=True)
    status, body = await post(app, execute(teams_connector, APPROVE, pid, trigger="automatic"))
    assert status == 200 and rt.store.proposal(pid).status == "pending"
    assert [a["title"] for a in body["value"]["actions"]] == ["Approve", "Reject…"]  # an approver's view
    status, body = await post(app, execute(teams_connector, REFRESH, pid, user="aad-someone-else"))
    # buttons for everyone by default (refused on use, with a reason); a refresh never decides
    assert status == 200 and rt.store.proposal(pid).status == "pending"
    assert not [e for e in rt.audit.events() if e["kind"].startswith("decision.")]


async def test_reject_needs_a_reason_and_outsiders_are_told_no(rt, teams_connector, run_jobs):
    rt = teams_runtime(rt, teams_connector)
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    app = teams_app(rt, allow_anonymous=True)
    _, body = await post(app, execute(teams_connector, APPROVE, pid, user="aad-someone-else"))
    assert body["type"] == "application/vnd.microsoft.activity.message" and "can decide" in body["value"]
    _, body = await post(app, execute(teams_connector, REJECT, pid))
    assert "reason code" in body["value"] and rt.store.proposal(pid).status == "pending"
    _, body = await post(
        app, execute(teams_connector, REJECT, pid, reason_code="wrong_amount", comment="too high")
    )
    assert "(wrong amount: too high)" in body["value"]["body"][-1]["text"]
    run_jobs()
    assert credits(rt) == []


# -- authentication ------------------------------------------------------------------------------------------
@pytest.fixture
def secured(rt, teams_connector):
    return teams_runtime(rt, teams_connector, app_id=APP_ID, tenants=f"{TENANT}, another-tenant")


async def test_a_valid_token_is_accepted_and_replies_carry_the_bot_token(secured, teams_connector):
    raw = mention(teams_connector, "ESC-1042")
    status, _ = await post(teams_app(secured), raw, teams_connector.token())
    assert status == 201
    assert teams_connector.posts()[0].authorization == f"Bearer {OUTBOUND_TOKEN}"


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "someone-elses-app"},
        {"iss": "https://evil.example.com"},
        {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200, "nbf": int(time.time()) - 7200},
        {"serviceurl": "https://smba.trafficmanager.net/amer/"},
    ],
    ids=["wrong-audience", "wrong-issuer", "expired", "serviceurl-mismatch"],
)
async def test_bad_tokens_are_refused_before_any_work(secured, teams_connector, claims):
    status, _ = await post(
        teams_app(secured), mention(teams_connector, "ESC-1042"), teams_connector.token(**claims)
    )
    assert status == 401
    assert teams_connector.posts() == [] and len(secured.missions_queue) == 0


async def test_no_token_and_a_foreign_signing_key_are_refused(secured, teams_connector):
    from tests.support.teams_connector import LocalConnector

    assert (await post(teams_app(secured), mention(teams_connector, "ESC-1042")))[0] == 401
    stranger = LocalConnector()  # same kid, another key: the signature does not verify
    stranger.url = teams_connector.url
    assert (await post(teams_app(secured), mention(teams_connector, "ESC-1042"), stranger.token()))[0] == 401


async def test_a_tenant_outside_the_allowlist_is_refused(secured, teams_connector):
    raw = mention(teams_connector, "ESC-1042")
    raw["channelData"]["tenant"]["id"] = "11111111-2222-3333-4444-555555555555"
    status, body = await post(teams_app(secured), raw, teams_connector.token())
    assert (status, body) == (403, {"error": "tenant not allowed"})
    assert teams_connector.posts() == [] and len(secured.missions_queue) == 0


async def test_without_an_app_id_teams_is_refused_unless_explicitly_anonymous(rt, teams_connector, caplog):
    rt = teams_runtime(rt, teams_connector)
    status, _ = await post(teams_app(rt), mention(teams_connector, "ESC-1042"))
    assert status == 503 and teams_connector.posts() == [] and len(rt.missions_queue) == 0
    assert "MICROSOFT_APP_ID is not set" in caplog.text
    status, _ = await post(teams_app(rt, allow_anonymous=True), mention(teams_connector, "ESC-1042"))
    assert status == 201 and "WITHOUT AUTHENTICATION" in caplog.text


def test_serving_teams_with_an_app_id_but_no_tenant_allowlist_warns(rt, teams_connector, caplog):
    caplog.set_level("WARNING", logger="bot.platforms.teams.routes")
    serve_cmd.build(teams_runtime(rt, teams_connector, app_id=APP_ID))  # what `missionbot serve` builds
    assert "MICROSOFT_ALLOWED_TENANTS is not set" in caplog.text and "ANY Microsoft 365 tenant" in caplog.text
    caplog.clear()
    serve_cmd.build(teams_runtime(rt, teams_connector, app_id=APP_ID, tenants=TENANT))
    assert "MICROSOFT_ALLOWED_TENANTS" not in caplog.text


async def test_a_message_of_only_invisible_characters_is_no_mission_and_gets_a_short_answer(
    rt, teams_connector
):
    rt = teams_runtime(rt, teams_connector)
    invisible = "\u200b\u200d\u2060\ufeff\u202e\u2066\u2069\u3164\u00ad\U000e0041\u2800\ufe0f"
    status, _ = await post(teams_app(rt, allow_anonymous=True), personal(teams_connector, invisible))
    assert status == 201 and rt.store.open_missions("support-triage") == []
    assert [c.body["text"] for c in teams_connector.posts()] == [BLANK_REQUEST]


async def test_the_activity_locale_is_the_missions_and_its_card_reads_in_it(rt, teams_connector, run_jobs):
    rt = teams_runtime(rt, teams_connector, approvals_channels={"teams": "19:approvals@thread.tacv2"})
    app = teams_app(rt, allow_anonymous=True)
    raw = mention(teams_connector, "ESC-1042 checkout was down, please credit") | {"locale": "de-DE"}
    assert (await post(app, raw))[0] == 201
    run_jobs()
    mission_id = rt.store.mission_for_thread(
        "teams", "19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.skype", "1481567603816"
    )
    assert rt.store.mission(mission_id).locale == "de-DE"
    card = teams_connector.posts()[-1].body["attachments"][0]["content"]
    facts = {f["title"]: f["value"] for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]}
    assert facts["Amount"].endswith("\u00a0$")  # German: the symbol after the number, `40 $`
