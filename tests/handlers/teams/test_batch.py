"""The Teams batch list: `/mission pending` answers an Adaptive Card (valid against the 1.5 schema) with a
multi-select of the approver's pending cards per tool; "Approve selected" decides each ticked card on its own
through bot/missions/batch.py, and a card decided meanwhile is reported, not decided again."""

from __future__ import annotations

from bot.core.config.tools import EditBounds
from bot.missions.service import MissionService
from bot.platforms.teams.adaptive import CONTENT_TYPE
from bot.platforms.teams.batch_card import BATCH_APPROVE, BATCH_REJECT
from handlers.teams.actions import MESSAGE_TYPE
from tests.bot.platforms.teams.test_adaptive import valid
from tests.handlers.teams.test_routes import credits, post
from tests.support.approvals import events, parked, reconfigure
from tests.support.teams_harness import OWNER, execute, personal, teams_app, teams_runtime


def pressed(connector, verb: str, *, user: str = OWNER, **data: object) -> dict:
    raw = execute(connector, verb, "", user=user)
    raw["value"]["action"]["data"] = {"group": "0", **data}
    return raw


async def test_pending_lists_the_cards_and_approve_selected_decides_each_on_its_own(
    rt, teams_connector, run_jobs
):
    rt = teams_runtime(rt, teams_connector)
    app = teams_app(rt, allow_anonymous=True)
    pids = [parked(rt, run_jobs, text=f"ESC-1042 #{i}") for i in range(3)]
    status, _ = await post(app, personal(teams_connector, "/mission pending", user=f"29:{OWNER}", aad=OWNER))
    assert status == 201
    [card] = [a["content"] for a in teams_connector.posts()[-1].body["attachments"]]
    valid(card)
    [pick] = [b for b in card["body"] if b.get("id") == "pick_0"]
    assert pick["isMultiSelect"] and {c["value"] for c in pick["choices"]} == {f"{p}#v0" for p in pids}

    MissionService(rt).decide(pids[1], actor="U0OWNER1", approve=True, platform="slack")  # meanwhile
    ticked = ",".join(pids[:2])  # bare ids: a list rendered before versions is still decided
    _, body = await post(app, pressed(teams_connector, BATCH_APPROVE, pick_0=ticked))
    assert body["statusCode"] == 200 and body["type"] == CONTENT_TYPE
    valid(body["value"])
    note = body["value"]["body"][0]["text"]
    assert (
        f"• {pids[0]}: approved" in note and f"• {pids[1]}: not decided (already approved by U0OWNER1" in note
    )
    assert [e["actor"] for e in events(rt, pids[0])] == [OWNER]  # its own decision and audit event
    assert len(events(rt, pids[1])) == 1  # the earlier decision only
    [left] = [b for b in body["value"]["body"] if b.get("id") == "pick_0"]
    assert [c["value"] for c in left["choices"]] == [f"{pids[2]}#v0"]  # what still waits

    _, body = await post(app, pressed(teams_connector, BATCH_REJECT, pick_0=pids[2]))  # no reason chosen
    assert body["type"] == MESSAGE_TYPE and "a rejection also needs a reason" in body["value"]
    _, body = await post(app, pressed(teams_connector, BATCH_APPROVE, pick_0="P-NOPE"))
    assert body["type"] == MESSAGE_TYPE and body["value"] == "no proposal P-NOPE"
    _, body = await post(app, pressed(teams_connector, BATCH_APPROVE, pick_0=["not", "a string"]))
    assert body["type"] == MESSAGE_TYPE and body["value"].startswith("Select the cards first")
    assert rt.store.proposal(pids[2]).status == "pending"


def choices(body: dict) -> list[str]:
    [pick] = [b for b in body["body"] if b.get("id") == "pick_0"]
    return [c["value"] for c in pick["choices"]]


async def test_a_ticked_card_edited_since_the_list_was_shown_is_refused_and_named(
    rt, teams_connector, run_jobs
):
    """Quorum 2: each choice carries the arguments' version it shows; OWNER2 changes one card's amount after
    the list was posted; "Approve selected" from it counts for the other card and names the changed one;
    from the list answered back (its new version) it counts."""
    rt = teams_runtime(rt, teams_connector)
    reconfigure(rt, tool={"editable": {"amount": EditBounds(gte=0, lte=250)}, "approvals_required": 2})
    app = teams_app(rt, allow_anonymous=True)
    pids = [parked(rt, run_jobs, text=f"ESC-1042 #{i}") for i in range(3)]
    await post(app, personal(teams_connector, "/mission pending", user=f"29:{OWNER}", aad=OWNER))
    [card] = [a["content"] for a in teams_connector.posts()[-1].body["attachments"]]
    shown = choices(card)[:2]
    assert shown == [f"{pids[0]}#v0", f"{pids[1]}#v0"]
    MissionService(rt).decide(pids[0], actor="U0OWNER2", approve=True, platform="teams", edits={"amount": 25})
    _, body = await post(app, pressed(teams_connector, BATCH_APPROVE, pick_0=",".join(shown)))
    assert body["type"] == CONTENT_TYPE
    note = body["value"]["body"][0]["text"]
    assert (
        f"• {pids[0]} changed since the list was shown: look again" in note
        and f"• {pids[1]}: pending" in note
    )
    assert [[a.actor for a in rt.store.proposal(p).approvals] for p in pids[:2]] == [["U0OWNER2"], [OWNER]]
    again = [c for c in choices(body["value"]) if c.startswith(f"{pids[0]}#")]
    assert again == [f"{pids[0]}#v1"]
    _, body = await post(app, pressed(teams_connector, BATCH_APPROVE, pick_0=again[0]))
    run_jobs()
    assert rt.store.proposal(pids[0]).status == "executed"
    assert [c["amount"] for c in credits(rt)] == [25.0]
