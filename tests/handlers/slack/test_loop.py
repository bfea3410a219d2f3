"""From a mention to a verdict over HTTP:
queued reply, trace and status in the thread, card, click, verdict."""

from __future__ import annotations

from bot.core.card_edits import unversioned
from bot.demo.helpdesk import HelpdeskBackend
from bot.platforms.slack.blockkit import ACTION_APPROVE


def credits(rt) -> list[float]:
    return [
        c["amount"]
        for c in HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()
    ]


def buttons(message: dict) -> list[dict]:
    return [e for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


async def test_mention_to_verdict_in_the_thread(slack, run_jobs):
    body = slack.mention("ESC-1042 checkout down, please credit")
    thread = body["event"]["ts"]
    assert (await slack.send_event(body)).status == 200
    await slack.settle()

    queued = slack.posted("C0SUPPORT", thread=thread)
    assert len(queued) == 1 and "Queued mission" in queued[0]["text"]
    mission_id = slack.rt.store.mission_for_thread("slack", "C0SUPPORT", thread)
    status_ts = slack.rt.store.mission(mission_id).status_ref.ts
    assert (
        mission_id in queued[0]["text"]
        and status_ts == slack.api.calls_to("chat.postMessage")[0].response["ts"]
    )

    run_jobs()
    trace = slack.posted("C0SUPPORT", thread=thread)[1:]
    assert len(trace) == 5 and all(p["unfurl_links"] is False for p in trace)
    status_updates = [
        c.params for c in slack.api.calls_to("chat.update", ok=True) if c.params["ts"] == status_ts
    ]
    assert "awaiting approval by <@U0OWNER1>" in status_updates[-1]["text"]
    [card] = slack.posted("C0APPROVALS")
    approve = next(b for b in buttons(card) if b["action_id"] == ACTION_APPROVE)
    proposal_id, version = unversioned(approve["value"])
    assert version == 0  # the arguments' version the card shows travels with the click
    assert "confirm" in approve  # execute tier
    card_ts = slack.api.calls_to("chat.postMessage", ok=True)[-1].response["ts"]
    assert credits(slack.rt) == []

    click = slack.click(ACTION_APPROVE, approve["value"], user="U0OWNER1", card_ts=card_ts)
    assert (await slack.send_interaction(click)).status == 200
    await slack.settle()
    run_jobs()

    assert slack.rt.store.proposal(proposal_id).status == "executed"
    assert credits(slack.rt) == [40.0]
    updated = [m for m in slack.api.messages("C0APPROVALS") if m["ts"] == card_ts][0]
    assert [b["action_id"] for b in buttons(updated)] == ["mb_undo"]  # no decision buttons; Undo while it may
    assert "U0OWNER1" in str(updated["blocks"])
    assert not slack.api.calls_to("chat.update", ok=False)  # every update landed; none via response_url
    verdict = slack.posted("C0SUPPORT", thread=thread)[-1]["text"]
    assert "approved by <@U0OWNER1>" in verdict
    final_status = [m for m in slack.api.messages("C0SUPPORT") if m["ts"] == status_ts][0]["text"]
    assert final_status.startswith("✅ Support Triage · mission M-") and final_status.endswith(": Resolved")
