"""Approve with changes on Teams: the card's "Approve with changes…" form has an Input.Number with the
bounds; the Action.Execute invoke carries the inputs; out of bounds is refused with the reason and nothing
changes; within them the card answers approved with the change, and the edited arguments run."""

from __future__ import annotations

from bot.core.config.tools import EditBounds
from bot.platforms.teams.adaptive import APPROVE, CONTENT_TYPE
from bot.platforms.teams.edit_form import APPROVE_EDIT
from handlers.teams.actions import MESSAGE_TYPE
from tests.handlers.teams.test_approvers import card_posts
from tests.handlers.teams.test_routes import credits, parked_proposal, post
from tests.support.approvals import reconfigure
from tests.support.teams_harness import APPROVALS, execute, teams_app, teams_runtime


async def test_approve_with_changes_through_the_card_inputs(rt, teams_connector, run_jobs):
    rt = teams_runtime(rt, teams_connector, approvals_channels={"teams": APPROVALS})
    reconfigure(rt, tool={"editable": {"amount": EditBounds(gte=0, lte=250)}})
    app = teams_app(rt, allow_anonymous=True)
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    [posted] = card_posts(teams_connector)
    [form] = [a["card"] for a in posted["actions"] if a["title"] == "Approve with changes…"]
    [amount] = form["body"]
    assert (amount["type"], amount["id"], amount["value"], amount["min"], amount["max"]) == (
        "Input.Number",
        "edit_amount",
        40.0,
        0,
        250,
    )
    [go] = form["actions"]
    assert (go["type"], go["verb"], go["associatedInputs"]) == ("Action.Execute", APPROVE_EDIT, "auto")

    _, body = await post(app, execute(teams_connector, APPROVE_EDIT, pid, edit_amount=300))
    assert (
        body["type"] == MESSAGE_TYPE and "amount = 300 is out of bounds: it must be ≤ 250." in body["value"]
    )
    assert rt.store.proposal(pid).status == "pending"

    _, body = await post(app, execute(teams_connector, APPROVE_EDIT, pid, edit_amount=30))
    assert body["type"] == CONTENT_TYPE
    assert "approved with changes: amount 40 → 30" in str(body["value"]["body"])
    run_jobs()
    assert rt.store.proposal(pid).status == "executed"
    assert [c["amount"] for c in credits(rt)] == [30.0]


async def test_an_edit_input_that_is_not_a_value_is_a_bad_request(rt, teams_connector, run_jobs):
    rt = teams_runtime(rt, teams_connector, approvals_channels={"teams": APPROVALS})
    app = teams_app(rt, allow_anonymous=True)
    status, _ = await post(app, execute(teams_connector, APPROVE_EDIT, "M-X-1", edit_amount={"$gt": 1}))
    assert status == 400


async def test_an_approve_from_a_card_shown_before_an_edit_is_refused(rt, teams_connector, run_jobs):
    """Quorum 2: the card's Approve carries the arguments' version; after OWNER2's edit (approvals reset),
    OWNER1's Approve from the copy posted before it is refused with the reason; from the new one it counts."""
    rt = teams_runtime(rt, teams_connector, approvals_channels={"teams": APPROVALS})
    reconfigure(rt, tool={"editable": {"amount": EditBounds(gte=0, lte=250)}, "approvals_required": 2})
    app = teams_app(rt, allow_anonymous=True)
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    [posted] = card_posts(teams_connector)
    [approve] = [a for a in posted["actions"] if a["title"] == "Approve"]
    assert approve["data"]["args_version"] == "0"
    await post(app, execute(teams_connector, APPROVE, pid, user="U0OWNER1", args_version="0"))
    await post(
        app, execute(teams_connector, APPROVE_EDIT, pid, user="U0OWNER2", edit_amount=25, args_version="0")
    )
    _, body = await post(app, execute(teams_connector, APPROVE, pid, user="U0OWNER1", args_version="0"))
    assert body["type"] == MESSAGE_TYPE and "arguments changed since this card was shown" in body["value"]
    assert [a.actor for a in rt.store.proposal(pid).approvals] == ["U0OWNER2"]
    _, body = await post(app, execute(teams_connector, APPROVE, pid, user="U0OWNER1", args_version="1"))
    assert body["type"] == CONTENT_TYPE
    run_jobs()
    assert [c["amount"] for c in credits(rt)] == [25.0]
