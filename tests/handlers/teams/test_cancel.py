"""The Cancel button of a mission's status message on Teams (an Action.Execute invoke): the status card
validates against the Adaptive Card 1.5 schema; only the requester may cancel (others are told why, nothing
changes); a cancel flips the pending card to "Cancelled by the requester" and the status loses its button."""

from __future__ import annotations

from bot.core.cards import card_for
from bot.platforms.teams.status_card import CANCEL
from handlers.teams.actions import MESSAGE_TYPE
from tests.bot.platforms.teams.test_adaptive import valid
from tests.handlers.teams.test_routes import parked_proposal, post
from tests.support.approvals import WORKER
from tests.support.teams_harness import OWNER, execute, teams_app, teams_runtime

REQUESTER = "29:9e52142b-5e5e-4d7b-bb3e-e82dcf620000"  # from.id of the channel-mention fixture


def cancel_click(connector, mission_id: str, *, user: str) -> dict:
    raw = execute(connector, CANCEL, "", user=user)
    raw["value"]["action"]["data"] = {"mission_id": mission_id}
    return raw


def status_cards(connector, mission_id: str) -> list[dict]:
    return [
        a["content"]
        for c in connector.updates()
        for a in (c.body.get("attachments") or [])
        if any((x.get("data") or {}).get("mission_id") == mission_id for x in a["content"].get("actions", []))
    ]


async def test_the_requester_cancels_from_the_teams_status_card_and_nobody_else_can(
    rt, teams_connector, run_jobs
):
    rt = teams_runtime(rt, teams_connector)
    app = teams_app(rt, allow_anonymous=True)
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    mission_id = rt.store.proposal(pid).mission_id
    cards = status_cards(teams_connector, mission_id)
    assert cards and "awaiting approval" in cards[-1]["body"][0]["text"]
    valid(cards[-1])
    assert [(a["type"], a["verb"], a["title"]) for a in cards[-1]["actions"]] == [
        ("Action.Execute", CANCEL, "Cancel mission")
    ]

    _, body = await post(app, cancel_click(teams_connector, mission_id, user=OWNER))
    assert body["type"] == MESSAGE_TYPE and body["value"].startswith("Only the requester")
    assert rt.store.mission(mission_id).status == "awaiting_approval"

    requester = cancel_click(teams_connector, mission_id, user="x")
    requester["from"] = {"id": REQUESTER, "name": "Requester"}
    _, body = await post(app, requester)
    assert body == {
        "statusCode": 200,
        "type": MESSAGE_TYPE,
        "value": f"⏹ {mission_id} is cancelled; its open cards say so.",
    }
    run_jobs()
    assert rt.store.mission(mission_id).status == "withdrawn"
    status_ts = rt.store.mission(mission_id).status_ref.ts
    last = [c.body for c in teams_connector.updates() if c.body.get("id") == status_ts][-1]
    assert not last.get("attachments") and "Cancel" not in str(last)  # closed: plain text, no button
    card = card_for(rt.store.proposal(pid), rt.worker(WORKER))
    assert card.status_line.startswith("Cancelled by the requester")

    _, body = await post(app, requester)  # pressed again: told, not changed
    assert body["value"] == f"{mission_id} is already withdrawn."
