"""Who sees the buttons on Teams, and who a Teams user is to the approver list.

The posted copy of a card is the status view for everyone; `refresh.userIds` names the approvers by their
Teams MRI, and their refresh invoke answers with Approve/Reject. A configured approver may be an Entra object
id (`from.aadObjectId`) or the activity's `from.id` (an MRI, or `user-id-0` in the Agents Playground).
"""

from __future__ import annotations

from bot.platforms.teams.adaptive import APPROVE, CONTENT_TYPE, REFRESH
from handlers.teams.actions import MESSAGE_TYPE
from tests.handlers.teams.test_routes import parked_proposal, post
from tests.support.teams_harness import APPROVALS, OWNER, execute, personal, teams_app, teams_runtime

OWNER_MRI = f"29:{OWNER}"  # what execute(..., user=OWNER) sends as from.id


def card_posts(connector) -> list[dict]:
    return [p.body["attachments"][0]["content"] for p in connector.posts() if p.body.get("attachments")]


async def test_the_posted_card_carries_the_buttons_and_the_server_refuses_a_bystander_with_a_reason(
    rt, teams_connector, run_jobs
):
    # The default: clients without user-specific views (the Agents Playground) show the buttons too.
    rt = teams_runtime(rt, teams_connector, approvals_channels={"teams": APPROVALS})
    app = teams_app(rt, allow_anonymous=True)
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    [posted] = card_posts(teams_connector)
    assert [a["title"] for a in posted["actions"]][:2] == ["Approve", "Reject…"]
    _, body = await post(app, execute(teams_connector, APPROVE, pid, user="aad-bystander"))
    assert (
        body["type"] == MESSAGE_TYPE and body["value"].startswith("Only ") and "can decide" in body["value"]
    )
    _, body = await post(  # a refresh keeps the buttons: they are refused on use, not hidden
        app, execute(teams_connector, REFRESH, pid, user="aad-bystander", trigger="automatic")
    )
    assert [a["title"] for a in body["value"]["actions"]][:2] == ["Approve", "Reject…"]
    assert rt.store.proposal(pid).status == "pending"


async def test_the_posted_card_is_the_status_view_and_refresh_names_the_approvers_mris(
    rt, teams_connector, run_jobs
):
    rt = teams_runtime(
        rt, teams_connector, approvals_channels={"teams": APPROVALS}, backup=["29:backup-given-as-mri"]
    )
    rt.settings.teams_buttons = "approvers"  # MISSIONBOT_TEAMS_BUTTONS=approvers: user-specific views
    app = teams_app(rt, allow_anonymous=True)
    # The owner approver has written to the bot once: from then on we know their MRI.
    assert (await post(app, personal(teams_connector, "", user=OWNER_MRI, aad=OWNER)))[0] == 201
    pid = await parked_proposal(rt, teams_connector, run_jobs)

    [posted] = card_posts(teams_connector)
    # nobody gets decision buttons from the posted copy (only the link to the request's thread)
    assert [a["type"] for a in posted.get("actions", [])] in ([], ["Action.OpenUrl"])
    # MRIs only (max 60): the Slack ids in the config have none; an MRI in the config is taken as it is.
    assert posted["refresh"]["userIds"] == [OWNER_MRI, "29:backup-given-as-mri"]
    assert posted["refresh"]["action"]["verb"] == REFRESH

    status, body = await post(app, execute(teams_connector, REFRESH, pid, trigger="automatic"))
    assert status == 200 and body["type"] == CONTENT_TYPE
    assert [a["title"] for a in body["value"]["actions"]] == ["Approve", "Reject…"]  # the approver's view
    assert body["value"]["refresh"]["userIds"] == [OWNER_MRI, "29:backup-given-as-mri"]
    status, body = await post(
        app, execute(teams_connector, REFRESH, pid, user="aad-bystander", trigger="automatic")
    )
    assert status == 200 and body["type"] == CONTENT_TYPE  # the status view: no decision buttons
    assert "mb_approve" not in str(body["value"].get("actions", []))
    assert rt.store.proposal(pid).status == "pending"

    await post(app, execute(teams_connector, APPROVE, pid))
    run_jobs()
    updated = [
        u.body["attachments"][0]["content"] for u in teams_connector.updates() if u.body.get("attachments")
    ]
    assert updated and all("mb_approve" not in str(c.get("actions", [])) for c in updated)


async def test_an_approver_configured_by_from_id_is_authorized_and_stays_one_person(
    rt, teams_connector, run_jobs
):
    # The Agents Playground's user: from.id `user-id-0`, with an Entra object id the config does not name.
    playground = {"id": "user-id-0", "aadObjectId": "00000000-0000-0000-0000-0000000000020", "name": "User"}
    rt = teams_runtime(rt, teams_connector, approvers=["user-id-0"])
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    app = teams_app(rt, allow_anonymous=True)

    outsider = execute(teams_connector, APPROVE, pid)
    outsider["from"] = {**playground, "id": "user-id-1"}  # same object id, another from.id: not configured
    _, body = await post(app, outsider)
    assert body["type"] == MESSAGE_TYPE and "can decide" in body["value"]

    approve = execute(teams_connector, APPROVE, pid)
    approve["from"] = playground
    status, body = await post(app, approve)
    # shown by the name Teams sent with their activity, not as user-id-0
    assert status == 200 and "Approved by User on Teams" in body["value"]["body"][-1]["text"]
    assert rt.store.proposal(pid).decided_by == "user-id-0"


async def test_a_requester_known_by_both_ids_cannot_approve_their_own_request(rt, teams_connector, run_jobs):
    rt = teams_runtime(rt, teams_connector, approvers=["29:megan"])
    app = teams_app(rt, allow_anonymous=True)
    raw = personal(teams_connector, "ESC-1042 checkout was down, please credit")  # from 29:megan / aad-megan
    await post(app, raw)
    run_jobs()
    mission = rt.store.mission(rt.store.mission_for_thread("teams", raw["conversation"]["id"], raw["id"]))
    assert mission.requester == "29:megan"  # the id the config names, not the object id
    approve = execute(teams_connector, APPROVE, mission.proposals[0])
    approve["from"] = {"id": "29:megan", "aadObjectId": "aad-megan"}
    _, body = await post(app, approve)
    assert body["type"] == MESSAGE_TYPE and "four-eyes" in body["value"]


async def test_a_personal_chat_message_becomes_a_mission_answered_in_that_chat(rt, teams_connector, run_jobs):
    rt = teams_runtime(rt, teams_connector)
    raw = personal(teams_connector, "ESC-1042 checkout was down, please credit")
    chat = raw["conversation"]["id"]
    status, _ = await post(teams_app(rt, allow_anonymous=True), raw)
    assert status == 201
    queued = teams_connector.posts()[0]
    # The reply to the incoming message, in the 1:1 chat (a personal chat has no reply chains).
    assert (
        queued.path == f"/v3/conversations/{chat}/activities/{raw['id']}"
        and "Queued mission" in queued.body["text"]
    )
    mission = rt.store.mission(rt.store.mission_for_thread("teams", chat, raw["id"]))
    assert (mission.platform, mission.conversation, mission.requester) == ("teams", chat, "aad-megan")
    run_jobs()
    assert len(teams_connector.posts()) > 2
    assert all(p.path == f"/v3/conversations/{chat}/activities" for p in teams_connector.posts()[1:])
