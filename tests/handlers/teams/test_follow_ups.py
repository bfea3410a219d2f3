"""Teams over HTTP: the requester's reply in a mission's reply chain resumes a needs-more-info rejection,
and an executed card's Undo (`Action.Execute` verb mb_undo) proposes the undo through the core."""

from __future__ import annotations

from bot.missions.service import MissionService
from bot.platforms.teams.adaptive import APPROVE, CONTENT_TYPE, UNDO
from handlers.teams.actions import MESSAGE_TYPE
from tests.bot.platforms.teams.test_adaptive import valid
from tests.handlers.teams.test_routes import parked_proposal, post
from tests.support.teams_harness import OWNER, execute, mention, teams_app, teams_runtime

REQUESTER = "29:9e52142b-5e5e-4d7b-bb3e-e82dcf620000"  # the fixture's sender, who asked for the mission


def reply(connector, text: str, *, user: str = REQUESTER) -> dict:
    raw = mention(connector, text)
    raw.update(id="1481567609999", replyToId="1481567603816", **{"from": {"id": user, "name": user}})
    return raw


async def test_a_reply_in_the_chain_answers_a_needs_more_info_rejection(rt, teams_connector, run_jobs):
    rt = teams_runtime(rt, teams_connector)
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    mission_id = rt.store.proposal(pid).mission_id
    MissionService(rt).decide(
        pid,
        actor=OWNER,
        approve=False,
        platform="teams",
        reason_code="needs_more_info",
        comment="Which outage window?",
    )
    run_jobs()
    assert rt.store.mission(mission_id).status == "awaiting_info"
    assert any(
        "❓" in (p.body.get("text") or "") and "> Which outage window?" in p.body["text"]
        for p in teams_connector.posts()
    )

    app = teams_app(rt, allow_anonymous=True)
    before = len(teams_connector.posts())
    status, _ = await post(app, reply(teams_connector, "me too", user="29:someone-else"))
    assert status == 201 and rt.store.mission(mission_id).context == []
    assert "Only @" in teams_connector.posts()[before].body["text"]

    status, _ = await post(app, reply(teams_connector, "09:00 to 11:00 UTC, two hours"))
    assert status == 201 and "Added to" in teams_connector.posts()[-1].body["text"]
    run_jobs()
    mission = rt.store.mission(mission_id)
    assert mission.status == "awaiting_approval" and mission.proposals == [pid, f"{mission_id}-s5-a2"]
    assert rt.store.proposal(mission.proposals[-1]).context == ["09:00 to 11:00 UTC, two hours"]


async def test_undo_on_an_executed_card_is_an_execute_verb_answered_through_the_core(
    rt, teams_connector, run_jobs
):
    rt = teams_runtime(rt, teams_connector)
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    app = teams_app(rt, allow_anonymous=True)
    await post(app, execute(teams_connector, APPROVE, pid))
    run_jobs()
    assert rt.store.proposal(pid).status == "executed"
    cards = [
        u.body["attachments"][0]["content"] for u in teams_connector.updates() if u.body.get("attachments")
    ]
    card = valid(cards[-1])
    undo, *thread = card["actions"]  # Undo, then the link to the request's thread when it has one
    assert [a["type"] for a in thread] in ([], ["Action.OpenUrl"])
    assert (undo["type"], undo["verb"], undo["data"]["proposal_id"]) == ("Action.Execute", UNDO, pid)

    status, body = await post(app, execute(teams_connector, UNDO, pid, user="aad-someone-else"))
    assert status == 200 and (body["type"], body["statusCode"]) == (MESSAGE_TYPE, 200)
    assert "Only the requester" in body["value"]
    _, body = await post(app, execute(teams_connector, UNDO, pid, user=OWNER))
    assert body["type"] == MESSAGE_TYPE and "Undo requested: helpdesk.reverse_credit" in body["value"]
    _, body = await post(app, execute(teams_connector, UNDO, pid, user=OWNER))
    assert "already requested" in body["value"] and body["type"] != CONTENT_TYPE
    assert rt.store.proposal(f"{pid}-undo").status == "pending"
