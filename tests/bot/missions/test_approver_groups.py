"""Approvers named by group: membership is read when the person decides, and the audit event names the
group that authorized them."""

from __future__ import annotations

import pytest

from bot.core.errors import NotAuthorized
from bot.missions import decisions
from tests.support.approvals import define_groups, events, parked, reconfigure


def test_a_group_member_decides_and_the_event_names_the_group(rt, run_jobs):
    define_groups(rt, support_leads={"slack": ["U0ALICE"], "teams_aad": ["aad-alice"]})
    reconfigure(rt, escalation={"approvers": ["@support-leads"], "backup": []})
    pid = parked(rt, run_jobs)
    with pytest.raises(NotAuthorized, match="Only @support-leads can decide"):
        decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="console")
    decided = decisions.decide(rt, pid, actor="aad-alice", approve=True, platform="teams")
    assert (decided.status, decided.decided_via) == ("approved", "@support-leads")
    [event] = events(rt, pid)
    assert (event["actor"], event["data"]["via_group"]) == ("aad-alice", "@support-leads")


def test_someone_removed_from_a_slack_group_can_no_longer_decide(rt, run_jobs):
    """Checked at the decision, not when the card went out: the cache is what the group is now."""
    define_groups(rt, leads={"slack_usergroup": "S0LEADS"})
    reconfigure(rt, escalation={"approvers": ["@leads"], "backup": ["S0BACKUP"]})
    rt.groups.remember("S0LEADS", ["U0BOB", "U0CAROL"])
    pid = parked(rt, run_jobs)
    assert [p.id for p in decisions.pending_for(rt, "U0BOB")] == [pid]
    rt.groups.remember("S0LEADS", ["U0CAROL"])  # Bob left the group after the card was posted
    assert decisions.pending_for(rt, "U0BOB") == []
    with pytest.raises(NotAuthorized):
        decisions.decide(rt, pid, actor="U0BOB", approve=True, platform="slack")
    rt.groups.remember("S0BACKUP", ["U0DAN"])  # a Slack user group by id, as a backup
    decided = decisions.decide(rt, pid, actor="U0DAN", approve=True, platform="slack")
    assert decided.decided_via == "S0BACKUP" and rt.store.proposal(pid).status == "approved"


def test_a_plain_approver_decision_event_is_unchanged(rt, run_jobs):
    pid = parked(rt, run_jobs)
    decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="console")
    [event] = events(rt, pid)
    assert "via_group" not in event["data"] and "approvals" not in event["data"]
