"""Card clicks over HTTP: one execution whatever the clicks, ephemeral refusals, the reject modal."""

from __future__ import annotations

import asyncio

from bot.core.errors import BadRequest
from bot.missions.service import MissionService
from bot.platforms.slack.blockkit import ACTION_APPROVE, ACTION_REJECT
from bot.platforms.slack.modals import REJECT_MODAL
from tests.handlers.slack.test_loop import credits


async def parked(slack, run_jobs, *, user: str = "U0AGENT") -> tuple[str, str]:
    """A mission awaiting approval: (proposal id, card ts)."""
    body = slack.mention("ESC-1042 please", user=user)
    await slack.send_event(body)
    await slack.settle()
    run_jobs()
    mission_id = slack.rt.store.mission_for_thread("slack", "C0SUPPORT", body["event"]["ts"])
    proposal = slack.rt.store.proposal(slack.rt.store.mission(mission_id).proposals[0])
    return proposal.id, proposal.cards[0].ts


async def test_a_double_click_and_two_approvers_at_once_execute_once(slack, run_jobs):
    pid, card_ts = await parked(slack, run_jobs)
    clicks = [
        slack.click(ACTION_APPROVE, pid, user=u, card_ts=card_ts)
        for u in ("U0OWNER1", "U0OWNER1", "U0OWNER2")
    ]
    answers = await asyncio.gather(*(slack.send_interaction(c) for c in clicks))
    assert [a.status for a in answers] == [200, 200, 200]
    await slack.settle()
    run_jobs()
    proposal = slack.rt.store.proposal(pid)
    assert proposal.status == "executed" and credits(slack.rt) == [40.0]
    refused = slack.ephemerals("U0OWNER1") + slack.ephemerals("U0OWNER2")
    assert len(refused) == 2 and all(f"Already approved by <@{proposal.decided_by}>" in t for t in refused)
    decisions = [e for e in slack.rt.audit.events() if e["kind"].startswith("decision.")]
    assert len(decisions) == 1


async def test_an_unauthorized_click_changes_nothing_and_is_told_why(slack, run_jobs):
    pid, card_ts = await parked(slack, run_jobs, user="U0OWNER2")
    updates_before = len(slack.api.calls_to("chat.update"))
    for user in ("U0RANDOM", "U0OWNER2"):  # not an approver; the requester (four-eyes)
        await slack.send_interaction(slack.click(ACTION_APPROVE, pid, user=user, card_ts=card_ts))
    await slack.settle()
    run_jobs()
    assert slack.rt.store.proposal(pid).status == "pending" and credits(slack.rt) == []
    assert "<@U0OWNER1>, <@U0OWNER2>" in slack.ephemerals("U0RANDOM")[0]
    assert "four-eyes" in slack.ephemerals("U0OWNER2")[0]
    assert len(slack.api.calls_to("chat.update")) == updates_before


async def test_reject_opens_the_modal_and_its_submission_rejects_with_the_reason(slack, run_jobs):
    pid, card_ts = await parked(slack, run_jobs)
    await slack.send_interaction(slack.click(ACTION_REJECT, pid, user="U0OWNER1", card_ts=card_ts))
    await slack.settle()
    [opened] = slack.api.calls_to("views.open", ok=True)
    view = opened.response["view"]
    assert view["callback_id"] == REJECT_MODAL and view["private_metadata"] == pid
    assert slack.rt.store.proposal(pid).status == "pending"

    no_reason = await slack.send_interaction(
        slack.modal_submission(view, user="U0OWNER1", reason=None, comment=None)
    )
    assert (await no_reason.json())["response_action"] == "errors"
    assert slack.rt.store.proposal(pid).status == "pending"

    done = await slack.send_interaction(
        slack.modal_submission(view, user="U0OWNER1", reason="wrong_amount", comment="too high")
    )
    assert done.status == 200 and not await done.text()  # an empty ack closes the modal
    await slack.settle()
    run_jobs()
    proposal = slack.rt.store.proposal(pid)
    assert (proposal.status, proposal.reason_code, proposal.comment) == (
        "rejected",
        "wrong_amount",
        "too high",
    )
    assert credits(slack.rt) == []
    card = [m for m in slack.api.messages("C0APPROVALS") if m["ts"] == card_ts][0]
    assert "too high" in str(card["blocks"]) and "actions" not in [b["type"] for b in card["blocks"]]


async def test_reject_by_a_non_approver_opens_no_modal(slack, run_jobs):
    pid, card_ts = await parked(slack, run_jobs)
    await slack.send_interaction(slack.click(ACTION_REJECT, pid, user="U0RANDOM", card_ts=card_ts))
    await slack.settle()
    assert slack.api.calls_to("views.open") == [] and "can decide" in slack.ephemerals("U0RANDOM")[0]


async def test_whether_a_reject_click_may_open_the_modal_is_the_cores_rule(slack, run_jobs, monkeypatch):
    pid, card_ts = await parked(slack, run_jobs)
    await slack.send_interaction(slack.click(ACTION_APPROVE, pid, user="U0OWNER1", card_ts=card_ts))
    await slack.settle()  # the approval is decided just after its ack (bot/missions/intake.py)
    await slack.send_interaction(slack.click(ACTION_REJECT, pid, user="U0OWNER2", card_ts=card_ts))
    await slack.settle()
    assert (
        slack.api.calls_to("views.open") == []
        and "Already approved by <@U0OWNER1>" in slack.ephemerals("U0OWNER2")[0]
    )

    pid, card_ts = await parked(slack, run_jobs)  # pending, clicked by an approver: the core alone may refuse

    def refuse(self, proposal_id, *, actor):
        raise BadRequest(f"core says no to {actor} on {proposal_id}")

    monkeypatch.setattr(MissionService, "check_decidable", refuse)
    await slack.send_interaction(slack.click(ACTION_REJECT, pid, user="U0OWNER1", card_ts=card_ts))
    await slack.settle()
    assert slack.api.calls_to(
        "views.open"
    ) == [] and f"core says no to U0OWNER1 on {pid}" in slack.ephemerals("U0OWNER1")
