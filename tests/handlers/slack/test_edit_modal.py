"""Approve with changes on Slack, over signed HTTP requests and the mock Web API: the card's extra button
opens a modal with the editable arguments; a value out of bounds is refused in the modal, nothing changes;
a value within them approves, and exactly the edited arguments run."""

from __future__ import annotations

from typing import Any

from bot.core.config.tools import EditBounds
from bot.platforms.slack.blockkit import ACTION_APPROVE, ACTION_APPROVE_EDIT
from bot.platforms.slack.modals import EDIT_MODAL
from tests.handlers.slack.harness import fixture
from tests.handlers.slack.test_actions import parked
from tests.handlers.slack.test_loop import credits
from tests.support.approvals import reconfigure


def submission(view: dict[str, Any], *, user: str, amount: str) -> dict[str, Any]:
    body = fixture("view_submission.json")
    body["user"] = {"id": user}
    values = {"edit:amount": {"value": {"type": "number_input", "value": amount}}}
    body["view"] = {**body["view"], **view, "state": {"values": values}}
    return body


async def test_the_edit_modal_refuses_out_of_bounds_then_approves_the_change(slack, run_jobs):
    reconfigure(slack.rt, tool={"editable": {"amount": EditBounds(gte=0, lte=250)}})
    pid, card_ts = await parked(slack, run_jobs)
    card = [m for m in slack.api.messages("C0APPROVALS") if m["ts"] == card_ts][0]
    buttons = [e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Approve", "Approve with changes…", "Reject…"]

    await slack.send_interaction(slack.click(ACTION_APPROVE_EDIT, pid, user="U0OWNER1", card_ts=card_ts))
    await slack.settle()
    [opened] = slack.api.calls_to("views.open", ok=True)
    view = opened.response["view"]
    assert view["callback_id"] == EDIT_MODAL and view["private_metadata"] == f"{pid}#v0"
    [amount] = [b for b in view["blocks"] if b["type"] == "input"]
    assert amount["element"]["initial_value"] == "40" and amount["element"]["max_value"] == "250"
    assert amount["hint"]["text"] == "0 to 250"

    refused = await slack.send_interaction(submission(view, user="U0OWNER1", amount="300"))
    answer = await refused.json()
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {"edit:amount": "amount = 300 is out of bounds: it must be ≤ 250."}
    assert slack.rt.store.proposal(pid).status == "pending"

    done = await slack.send_interaction(submission(view, user="U0OWNER1", amount="30"))
    assert done.status == 200 and not await done.text()  # an empty ack closes the modal
    await slack.settle()
    run_jobs()
    proposal = slack.rt.store.proposal(pid)
    assert (proposal.status, proposal.args["amount"], proposal.original_args["amount"]) == (
        "executed",
        30.0,
        40.0,
    )
    assert credits(slack.rt) == [30.0]
    card = [m for m in slack.api.messages("C0APPROVALS") if m["ts"] == card_ts][0]
    assert "approved with changes: amount 40 → 30" in str(card["blocks"])


async def test_a_card_without_editable_arguments_has_no_edit_button(slack, run_jobs):
    _, card_ts = await parked(slack, run_jobs)
    card = [m for m in slack.api.messages("C0APPROVALS") if m["ts"] == card_ts][0]
    assert ACTION_APPROVE_EDIT not in str(card["blocks"])


async def test_an_edit_submission_that_is_not_text_is_refused_before_anything(slack, run_jobs):
    reconfigure(slack.rt, tool={"editable": {"amount": EditBounds(gte=0, lte=250)}})
    pid, _ = await parked(slack, run_jobs)
    view = {"callback_id": EDIT_MODAL, "private_metadata": pid}
    body = submission(view, user="U0OWNER1", amount="30")
    body["view"]["state"]["values"]["edit:amount"]["value"]["value"] = {"$gt": 1}
    answer = await slack.send_interaction(body)
    assert answer.status == 400 and slack.rt.store.proposal(pid).status == "pending"


async def test_an_approve_click_on_a_copy_shown_before_an_edit_is_refused(slack, run_jobs):
    """Quorum 2: the Approve button's value carries the arguments' version (`<id>#v0`); OWNER2's edit in the
    modal resets the approvals; OWNER1's click on the old copy is refused with the reason, in an ephemeral."""
    reconfigure(slack.rt, tool={"editable": {"amount": EditBounds(gte=0, lte=250)}, "approvals_required": 2})
    pid, card_ts = await parked(slack, run_jobs)
    card = [m for m in slack.api.messages("C0APPROVALS") if m["ts"] == card_ts][0]
    [old] = [e["value"] for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]][:1]
    assert old == f"{pid}#v0"
    await slack.send_interaction(slack.click(ACTION_APPROVE, old, user="U0OWNER1", card_ts=card_ts))
    await slack.settle()
    view = {"callback_id": EDIT_MODAL, "private_metadata": old}
    done = await slack.send_interaction(submission(view, user="U0OWNER2", amount="25"))
    assert done.status == 200 and not await done.text()
    await slack.send_interaction(slack.click(ACTION_APPROVE, old, user="U0OWNER1", card_ts=card_ts))
    await slack.settle()
    assert slack.ephemerals("U0OWNER1")[-1] == "The arguments changed since this card was shown: look again."
    assert [a.actor for a in slack.rt.store.proposal(pid).approvals] == ["U0OWNER2"]
    await slack.send_interaction(slack.click(ACTION_APPROVE, f"{pid}#v1", user="U0OWNER1", card_ts=card_ts))
    await slack.settle()
    run_jobs()
    assert credits(slack.rt) == [25.0]
