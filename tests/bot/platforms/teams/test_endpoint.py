"""TeamsMessenger for jobs: proactive posts and updates, 403/429 handling,
and cards on two platforms at once."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.core.errors import AlreadyDecided
from bot.core.models import Request
from bot.missions.service import MissionService
from bot.platforms.slack.messenger import SlackMessenger
from bot.platforms.teams.adaptive import APPROVE
from bot.platforms.teams.endpoint import TeamsEndpoint
from bot.platforms.teams.refs import ConversationRefs
from tests.bot.core.card_factories import card, client
from tests.support.teams_harness import APPROVALS, OWNER, execute, mention, teams_app, teams_runtime


def seed_reference(rt, connector, conversation: str = APPROVALS) -> None:
    ConversationRefs(store=rt.store).save(
        {"channelId": "msteams", "serviceUrl": connector.url, "conversation": {"id": conversation}},
        is_channel=True,
    )


def test_post_and_update_in_place_through_the_stored_reference(rt, teams_connector):
    rt = teams_runtime(rt, teams_connector)
    seed_reference(rt, teams_connector)
    teams = rt.messengers.get("teams")
    ref = teams.post(conversation=APPROVALS, thread="1700", text="hello")
    assert (
        ref.ts == "act-1"
        and teams_connector.posts()[0].path == f"/v3/conversations/{APPROVALS};messageid=1700/activities"
    )
    teams.update(ref, text="t", card=card(status="rejected", decided_by="U0LEAD", reason_code="other"))
    put = teams_connector.updates()[0]
    assert (
        put.path.endswith("/activities/act-1") and put.body["attachments"][0]["content"]["version"] == "1.5"
    )


def test_a_bot_removed_from_the_roster_is_logged_and_audited_once_without_retrying(
    rt, teams_connector, caplog
):
    rt = teams_runtime(rt, teams_connector)
    seed_reference(rt, teams_connector)
    teams = rt.messengers.get("teams")
    teams_connector.fail_next(403, times=2)
    first = teams.post(conversation=APPROVALS, thread=None, text="one")
    second = teams.post(conversation=APPROVALS, thread=None, text="two")
    assert (
        first.ts == second.ts == "" and len(teams_connector.posts()) == 2
    )  # one attempt each, no retry storm
    assert "not in its roster" in caplog.text
    assert [e["kind"] for e in rt.audit.events()].count("teams.undeliverable") == 1
    teams.update(first, text="never delivered")  # nothing to update, nothing sent
    assert teams_connector.updates() == []


def test_throttling_and_gateway_errors_are_retried_with_bounded_backoff(rt, teams_connector):
    rt = teams_runtime(rt, teams_connector)
    seed_reference(rt, teams_connector)
    teams = rt.messengers.get("teams")
    teams_connector.fail_next(429, headers={"Retry-After": "0"})
    teams_connector.fail_next(502)
    assert teams.post(conversation=APPROVALS, thread=None, text="x").ts == "act-1"
    assert len(teams_connector.posts()) == 3
    teams_connector.fail_next(504, times=10)
    try:
        teams.post(conversation=APPROVALS, thread=None, text="y")
    except Exception as err:
        assert getattr(err.response, "status_code", None) == 504
    else:
        raise AssertionError("a persistent 504 must surface after the bounded attempts")
    assert len(teams_connector.posts()) == 3 + 4


async def test_two_platforms_first_decision_wins_and_both_copies_flip(
    rt, teams_connector, mock_slack_api, run_jobs
):
    slack = SlackMessenger(client=client(mock_slack_api.url))
    rt = teams_runtime(
        rt, teams_connector, extra=(slack,), approvals_channels={"slack": "C0APPROVALS", "teams": APPROVALS}
    )
    seed_reference(rt, teams_connector)
    svc = MissionService(rt)
    mission = svc.submit(
        Request(
            platform="slack", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042 please credit"
        )
    ).mission
    run_jobs()
    pid = rt.store.mission(mission.id).proposals[0]
    assert sorted(r.platform for r in rt.store.proposal(pid).cards) == ["slack", "teams"]

    async with TestClient(TestServer(teams_app(rt, allow_anonymous=True))) as http:

        async def on_teams() -> str:
            response = await http.post("/api/messages", json=execute(teams_connector, APPROVE, pid))
            return (await response.json())["value"]["body"][-1]["text"]

        def on_slack() -> str:
            try:
                return svc.decide(pid, actor="U0OWNER1", approve=True, platform="slack").decided_on
            except AlreadyDecided as err:
                return f"lost to {err.by}"

        await asyncio.gather(on_teams(), asyncio.to_thread(on_slack))
    decided = rt.store.proposal(pid)
    winner = {"teams": f"by {OWNER} on Teams", "slack": "by U0OWNER1 on Slack"}[decided.decided_on]
    assert [e["kind"] for e in rt.audit.events()].count("decision.approved") == 1
    run_jobs()
    assert rt.store.proposal(pid).status == "executed"
    teams_copy = teams_connector.updates()[-1].body["attachments"][0]["content"]
    assert winner in teams_copy["body"][-1]["text"]
    verbs = [a.get("verb") for a in teams_copy.get("actions", [])]
    assert verbs in (["mb_undo"], ["mb_undo", None])  # no decision buttons: Undo (and the thread link)
    slack_updates = mock_slack_api.calls_to("chat.update")
    slack_copy = str(slack_updates[-1].params["blocks"])  # Block Kit words it its own way: who, where
    where = {"teams": "on Teams", "slack": "on Slack"}[decided.decided_on]
    # A Slack user is mentioned; a Teams user's id is not a Slack id, so it stays plain text there.
    who = f"<@{decided.decided_by}>" if decided.decided_on == "slack" else decided.decided_by
    assert who in slack_copy and where in slack_copy
    assert "mb_approve" not in slack_copy and "mb_reject" not in slack_copy  # only the Undo button is left


def test_a_stored_reference_to_an_unconfigured_host_is_never_contacted(rt, teams_connector):
    """Defence in depth behind the endpoint's check: a reference stored before it (or written into Redis by
    someone else) cannot make a job send to a host the bot is not configured for."""
    rt = teams_runtime(rt, teams_connector)
    ConversationRefs(store=rt.store).save(
        {"channelId": "msteams", "serviceUrl": "https://evil.example/", "conversation": {"id": APPROVALS}},
        is_channel=True,
    )
    teams = rt.messengers.get("teams")
    with pytest.raises(LookupError, match="not an allowed host"):
        teams.post(conversation=APPROVALS, thread=None, text="hello")
    rt.redis.hset(
        rt.store.key("teams", "users"),
        "aad-x",
        '{"mri": "29:x", "service_url": "https://evil.example/", "tenant": "t", "bot": {"id": "28:bot"}}',
    )
    assert teams.direct(user="aad-x", text="hello") is None and teams_connector.calls == []


class RecordingListeners:
    """What handlers/teams would be: the endpoint hands it the raw JSON and writes what it answers."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict]] = []

    async def message(self, raw: dict, *, send) -> None:
        self.seen.append(("message", raw))
        assert await send("heard you") == "act-1"  # the sent reply's id, for a status ref

    async def card_action(self, raw: dict) -> dict:
        self.seen.append(("card_action", raw))
        return {"statusCode": 200, "type": "application/vnd.microsoft.activity.message", "value": "ok"}


async def test_the_endpoint_only_translates_an_activity_into_a_listener_call(rt, teams_connector):
    rt = teams_runtime(rt, teams_connector)
    endpoint = TeamsEndpoint(rt, settings=rt.settings)  # no app id: anonymous, as in local development
    invoke = execute(teams_connector, APPROVE, "P-1")
    assert (await endpoint.handle(invoke, None)).status == 501  # no listeners registered: nobody answers
    listeners = RecordingListeners()
    endpoint.listen(listeners)
    reply = await endpoint.handle(invoke, None)
    assert reply.status == 200 and reply.body["value"] == "ok" and listeners.seen == [("card_action", invoke)]
    raw = mention(teams_connector, "ESC-1042")
    assert (await endpoint.handle(raw, None)).status == 201
    assert listeners.seen[-1] == ("message", raw) and teams_connector.posts()[0].body["text"] == "heard you"
    assert ConversationRefs(store=rt.store).load(raw["conversation"]["id"], None)  # where replies go: kept
    assert len(rt.missions_queue) == 0  # the platform created nothing by itself
