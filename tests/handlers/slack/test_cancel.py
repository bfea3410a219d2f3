"""The Cancel button on the status message, over signed HTTP through the mock Web API: only the requester
may use it (others are told why, nothing changes); it withdraws the mission, its pending cards flip to
"Cancelled by the requester" and the status message loses its button."""

from __future__ import annotations

from bot.core.cards import card_for
from bot.platforms.slack.status import ACTION_CANCEL
from tests.support.approvals import WORKER


def buttons(blocks: list[dict]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_the_requester_cancels_from_the_status_message_and_nobody_else_can(slack, run_jobs):
    body = slack.mention("ESC-1042 please", user="U0AGENT")
    await slack.send_event(body)
    await slack.settle()
    run_jobs()
    rt = slack.rt
    mission = rt.store.mission(rt.store.mission_for_thread("slack", "C0SUPPORT", body["event"]["ts"]))
    [status] = [p for p in slack.posted("C0SUPPORT") if p.get("blocks") and "Queued mission" in p["text"]]
    assert (
        buttons(status["blocks"]) == [ACTION_CANCEL]
        and status["blocks"][1]["elements"][0]["value"] == mission.id
    )
    parked = [
        c.params
        for c in slack.api.calls_to("chat.update", ok=True)
        if "awaiting approval" in c.params["text"]
    ]
    assert parked and buttons(parked[-1]["blocks"]) == [ACTION_CANCEL]  # still open: the button stays

    await slack.send_interaction(slack.click(ACTION_CANCEL, mission.id, user="U0OWNER1", channel="C0SUPPORT"))
    await slack.settle()
    assert slack.ephemerals("U0OWNER1") == [f"Only the requester <@U0AGENT> can cancel {mission.id}."]
    assert rt.store.mission(mission.id).status == "awaiting_approval"

    answer = await slack.send_interaction(
        slack.click(ACTION_CANCEL, mission.id, user="U0AGENT", channel="C0SUPPORT")
    )
    await slack.settle()
    run_jobs()
    assert answer.status == 200 and rt.store.mission(mission.id).status == "withdrawn"
    assert slack.ephemerals("U0AGENT") == [f"⏹ {mission.id} is cancelled; its open cards say so."]
    proposal = rt.store.proposal(mission.proposals[0])
    assert card_for(proposal, rt.worker(WORKER)).status_line.startswith("Cancelled by the requester")
    card_updates = [
        c.params for c in slack.api.calls_to("chat.update", ok=True) if c.params["ts"] == proposal.cards[0].ts
    ]
    assert "Cancelled by the requester" in str(card_updates[-1]["blocks"])
    last_status = [
        c.params
        for c in slack.api.calls_to("chat.update", ok=True)
        if c.params["ts"] == mission.status_ref.ts
    ][-1]
    assert buttons(last_status["blocks"]) == []  # closed: no button left to press

    await slack.send_interaction(slack.click(ACTION_CANCEL, mission.id, user="U0AGENT", channel="C0SUPPORT"))
    await slack.settle()
    assert slack.ephemerals("U0AGENT")[-1] == f"{mission.id} is already withdrawn."
