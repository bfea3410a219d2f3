"""App Home batch decisions: the pending cards of one tool with checkboxes; "Approve selected" decides
exactly the ticked ones, each on its own, and reports the result to the approver."""

from __future__ import annotations

from datetime import date, timedelta

from bot.core.config.tools import EditBounds
from bot.missions import delegation
from bot.missions.service import MissionService
from bot.platforms.slack.home_batch import BATCH_APPROVE, BATCH_PICK, BATCH_REJECT
from tests.handlers.slack.test_actions import parked
from tests.handlers.slack.test_loop import credits
from tests.support.approvals import events, reconfigure


def _home_opened(slack, user: str) -> dict:
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home", "event_ts": "1.1"}
    return slack.event_body(event)


def _batch_click(slack, action: str, *, user: str, ticked: list[str], reason: str | None = None) -> dict:
    body = slack.click(action, "0", user=user)
    body.pop("channel")
    body.pop("message")
    body["container"] = {"type": "view", "view_id": "V0HOME"}
    body["actions"][0].update(block_id="mb_batch:0", type="button")
    values = {BATCH_PICK: {"type": "checkboxes", "selected_options": [{"value": p} for p in ticked]}}
    if reason:
        values["mb_batch_reason"] = {"type": "static_select", "selected_option": {"value": reason}}
    body["view"] = {"id": "V0HOME", "type": "home", "state": {"values": {"mb_batch:0": values}}}
    return body


def _options(slack) -> list[str]:
    """The checkbox values of the Home tab published last (the mock checks Slack's limits)."""
    view = slack.api.calls_to("views.publish", ok=True)[-1].params["view"]
    [pick] = [
        e
        for b in view["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == BATCH_PICK
    ]
    return [o["value"] for o in pick["options"]]


async def test_approve_selected_decides_exactly_the_ticked_cards(slack, run_jobs):
    pids = [(await parked(slack, run_jobs))[0] for _ in range(3)]
    await slack.send_event(_home_opened(slack, "U0OWNER1"))
    await slack.settle()
    assert sorted(_options(slack)) == sorted(f"{p}#v0" for p in pids)  # with the arguments' version

    response = await slack.send_interaction(
        _batch_click(slack, BATCH_APPROVE, user="U0OWNER1", ticked=pids[:2])
    )
    assert response.status == 200
    await slack.settle()
    statuses = [slack.rt.store.proposal(p).status for p in pids]
    assert statuses == ["approved", "approved", "pending"]
    assert all(len(events(slack.rt, p)) == 1 for p in pids[:2])
    told = slack.posted("U0OWNER1")[-1]["text"]
    assert f"{pids[0]}: approved" in told and f"{pids[1]}: approved" in told

    await slack.send_interaction(_batch_click(slack, BATCH_REJECT, user="U0OWNER1", ticked=pids[1:]))
    await slack.settle()  # no reason chosen: told so, nothing decided
    assert slack.rt.store.proposal(pids[2]).status == "pending"
    await slack.send_interaction(
        _batch_click(slack, BATCH_REJECT, user="U0OWNER2", ticked=pids[1:], reason="wrong_amount")
    )
    await slack.settle()
    told = slack.posted("U0OWNER2")[-1]["text"]
    assert f"{pids[1]}: not decided" in told and f"{pids[2]}: rejected" in told


async def test_home_lists_the_delegations_of_the_person(slack):
    until = date.today() + timedelta(days=5)
    delegation.delegate(
        slack.rt, actor="U0OWNER1", to="U0BOB", until=delegation.parse_until(slack.rt, str(until))
    )
    await slack.send_event(_home_opened(slack, "U0BOB"))
    await slack.settle()
    view = slack.api.calls_to("views.publish", ok=True)[-1].params["view"]
    assert "You decide on behalf of @U0OWNER1" in view["blocks"][1]["elements"][0]["text"]


async def test_a_ticked_card_edited_since_the_home_was_shown_is_refused_and_named(slack, run_jobs):
    """Quorum 2: each checkbox carries the arguments' version it shows; OWNER2 changes one card's amount
    after OWNER1's Home was published; OWNER1's "Approve selected" counts for the other two and names the
    changed one; from the Home published again (its new version) it counts. A 4th card keeps the list."""
    reconfigure(slack.rt, tool={"editable": {"amount": EditBounds(gte=0, lte=250)}, "approvals_required": 2})
    pids = [(await parked(slack, run_jobs))[0] for _ in range(4)]
    await slack.send_event(_home_opened(slack, "U0OWNER1"))
    await slack.settle()
    shown = [o for o in _options(slack) if not o.startswith(pids[3])]
    MissionService(slack.rt).decide(
        pids[0], actor="U0OWNER2", approve=True, platform="slack", edits={"amount": "25"}
    )
    await slack.send_interaction(_batch_click(slack, BATCH_APPROVE, user="U0OWNER1", ticked=shown))
    await slack.settle()
    told = slack.posted("U0OWNER1")[-1]["text"]
    assert f"• {pids[0]} changed since the list was shown: look again" in told
    assert f"{pids[1]}: pending" in told and f"{pids[2]}: pending" in told
    approvals = [[a.actor for a in slack.rt.store.proposal(p).approvals] for p in pids]
    assert approvals == [["U0OWNER2"], ["U0OWNER1"], ["U0OWNER1"], []]
    again = [o for o in _options(slack) if o.startswith(f"{pids[0]}#")]  # the Home published after it
    assert again == [f"{pids[0]}#v1"]
    await slack.send_interaction(_batch_click(slack, BATCH_APPROVE, user="U0OWNER1", ticked=again))
    await slack.settle()
    run_jobs()
    assert slack.rt.store.proposal(pids[0]).status == "executed" and credits(slack.rt) == [25.0]
