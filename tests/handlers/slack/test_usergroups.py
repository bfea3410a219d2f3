"""Approver groups on Slack: `subteam_members_changed` refetches the group (usergroups.users.list on the
mock Web API) after the ack, so someone removed from it is refused at their next click."""

from __future__ import annotations

from bot.missions import decisions
from tests.support.approvals import define_groups, parked, reconfigure


def _changed(slack, usergroup: str) -> dict:
    return slack.event_body(
        {
            "type": "subteam_members_changed",
            "subteam_id": usergroup,
            "team_id": "T111",
            "added_users": [],
            "removed_users": ["U0BOB"],
            "event_ts": "1700000000.000100",
        }
    )


async def test_a_removed_member_is_refused_after_the_membership_event(slack, run_jobs):
    rt, api = slack.rt, slack.api
    define_groups(rt, leads={"slack_usergroup": "S0LEADS"})
    reconfigure(rt, escalation={"approvers": ["@leads"], "backup": []})
    api.workspace.usergroups["S0LEADS"] = ["U0BOB", "U0CAROL"]
    assert rt.groups.refresh_due(["S0LEADS"]) == ["S0LEADS"]  # what the sweep does
    pid = parked(rt, run_jobs)
    assert [p.id for p in decisions.pending_for(rt, "U0BOB")] == [pid]

    api.workspace.usergroups["S0LEADS"] = ["U0CAROL"]  # Bob leaves the group in Slack
    response = await slack.send_event(_changed(slack, "S0LEADS"))
    assert response.status == 200
    await slack.settle()
    assert len(api.calls_to("usergroups.users.list")) == 2
    assert rt.groups.members("@leads") == {"U0CAROL"}
    assert decisions.pending_for(rt, "U0BOB") == []
    assert decisions.decide(rt, pid, actor="U0CAROL", approve=True, platform="slack").status == "approved"
