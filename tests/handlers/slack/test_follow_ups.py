"""Slack over HTTP: a needs-more-info rejection answered in the thread, the Undo button, `/mission digest`,
and the "queued" status message existing before the mission runs."""

from __future__ import annotations

from bot.missions.service import MissionService
from bot.platforms.slack.blockkit import ACTION_APPROVE, ACTION_UNDO
from tests.handlers.slack.test_actions import parked


def blocks_of(slack, channel: str, ts: str) -> list[dict]:
    return [m for m in slack.api.messages(channel) if m["ts"] == ts][0].get("blocks") or []


async def test_the_queued_reply_is_the_status_message_before_any_worker_runs(slack, run_jobs):
    body = slack.mention("ESC-1042 please")
    await slack.send_event(body)
    await slack.settle()
    [queued] = slack.posted("C0SUPPORT", thread=body["event"]["ts"])
    mission = slack.rt.store.mission(
        slack.rt.store.mission_for_thread("slack", "C0SUPPORT", body["event"]["ts"])
    )
    assert (
        mission.status == "queued"
        and mission.status_ref.ts == slack.api.calls_to("chat.postMessage", ok=True)[0].response["ts"]
    )
    assert "Queued mission" in queued["text"]
    run_jobs()
    first_update = [
        c.params
        for c in slack.api.calls_to("chat.update", ok=True)
        if c.params["ts"] == mission.status_ref.ts
    ][0]
    assert "gathering 1/5" in first_update["text"]  # updated from the first step on, no catch-up needed


async def test_needs_more_info_is_asked_in_the_thread_and_a_reply_there_reproposes(slack, run_jobs):
    pid, _ = await parked(slack, run_jobs)
    mission = slack.rt.store.mission(slack.rt.store.proposal(pid).mission_id)
    MissionService(slack.rt).decide(
        pid,
        actor="U0OWNER1",
        approve=False,
        platform="slack",
        reason_code="needs_more_info",
        comment="Which outage window?",
    )
    run_jobs()
    question = [m for m in slack.posted("C0SUPPORT", thread=mission.thread) if "❓" in m["text"]]
    assert len(question) == 1 and "&gt; Which outage window?" in question[0]["text"]
    assert "<@U0AGENT>" in question[0]["text"]

    await slack.send_event(slack.thread_reply("09:00 to 11:00 UTC, two hours", thread_ts=mission.thread))
    await slack.settle()
    run_jobs()
    again = slack.rt.store.mission(mission.id)
    assert again.status == "awaiting_approval" and again.proposals[-1] == f"{mission.id}-s5-a2"
    card = slack.rt.store.proposal(again.proposals[-1]).cards[0]
    text = str(blocks_of(slack, card.conversation, card.ts))
    assert "Added by the requester" in text and "09:00 to 11:00 UTC" in text


async def test_an_executed_card_gets_an_undo_button_that_proposes_the_undo(slack, run_jobs):
    pid, card_ts = await parked(slack, run_jobs)
    await slack.send_interaction(slack.click(ACTION_APPROVE, pid, user="U0OWNER1", card_ts=card_ts))
    await slack.settle()
    run_jobs()
    assert slack.rt.store.proposal(pid).status == "executed"
    [undo_block] = [
        b for b in blocks_of(slack, "C0APPROVALS", card_ts) if b.get("block_id", "").startswith("mb_undo")
    ]
    [button] = undo_block["elements"]
    assert (button["action_id"], button["value"]) == (ACTION_UNDO, pid) and "confirm" in button

    for user in ("U0RANDOM", "U0AGENT", "U0OWNER2"):
        await slack.send_interaction(slack.click(ACTION_UNDO, pid, user=user, card_ts=card_ts))
        await slack.settle()
    assert "Only the requester" in slack.ephemerals("U0RANDOM")[0]
    assert "Undo requested: helpdesk.reverse_credit" in slack.ephemerals("U0AGENT")[0]
    assert "already requested" in slack.ephemerals("U0OWNER2")[0]
    undo = slack.rt.store.proposal(f"{pid}-undo")
    assert (undo.status, undo.requester, undo.undo_of) == ("pending", "U0AGENT", pid)


async def test_mission_digest_for_the_owner_and_approvers_only(slack, run_jobs):
    await parked(slack, run_jobs)
    await slack.command("digest support-triage", user="U0MANAGER")
    await slack.command("digest support-triage", user="U0OWNER1")
    await slack.command("digest support-triage", user="U0AGENT")
    await slack.settle()
    shown = {c.params["user"]: c.params for c in slack.api.calls_to("chat.postEphemeral", ok=True)}
    for user in ("U0MANAGER", "U0OWNER1"):
        assert shown[user]["text"].startswith("Weekly digest: Support Triage")
        assert shown[user]["blocks"][0]["type"] == "header"
    assert "owner" in shown["U0AGENT"]["text"] and "blocks" not in shown["U0AGENT"]

    before = len(slack.posted("C0SUPPORT"))
    await slack.command("digest support-triage here", user="U0MANAGER")
    await slack.settle()
    shared = slack.posted("C0SUPPORT")[before:]
    assert len(shared) == 1 and shared[0]["blocks"][0]["type"] == "header"
