"""Approver groups (bot/core/groups.py): defined groups, Slack user groups through the mock Web API and a
short-lived Redis cache, refreshed on demand and by age."""

from __future__ import annotations

import json

from bot.core.config.people import GroupDef
from bot.core.groups import Groups, is_group
from bot.platforms.slack.client import web_client
from bot.platforms.slack.usergroups import usergroup_fetcher


def test_entries_are_groups_by_their_shape():
    assert is_group("@support-leads") and is_group("S0LEADS")
    assert not is_group("U0OWNER1") and not is_group("29:1mri") and not is_group("0e3f6a52-6c1b")


def test_a_defined_group_lists_accounts_of_every_platform_side_by_side(rt):
    groups = Groups(defined={"leads": GroupDef(slack=["U0A"], teams_aad=["aad-1"], teams_mri=["29:1b"])})
    assert groups.members("@leads") == {"U0A", "aad-1", "29:1b"}
    assert groups.members("@nobody") == frozenset()  # unknown: nobody, never everybody
    assert groups.members("U0OWNER1") == {"U0OWNER1"}


def test_slack_user_groups_come_from_the_web_api_into_a_cache_with_an_expiry(rt, mock_slack_api):
    mock_slack_api.workspace.usergroups["S0LEADS"] = ["U0BOB", "U0CAROL"]
    fetch = usergroup_fetcher(web_client(token="xoxb-test", api_url=mock_slack_api.url))
    groups = Groups(
        defined={"leads": GroupDef(slack=["U0A"], slack_usergroup="S0LEADS")}, store=rt.store, fetch=fetch
    )
    assert groups.members("S0LEADS") == frozenset()  # not fetched yet: nobody is let in on a guess
    assert groups.refresh_due(groups.slack_usergroups(["@leads", "U0OWNER1"])) == ["S0LEADS"]
    assert groups.members("@leads") == {"U0A", "U0BOB", "U0CAROL"}
    assert groups.refresh_due(["S0LEADS"]) == []  # fresh: no second call
    assert len(mock_slack_api.calls_to("usergroups.users.list")) == 1
    key = rt.store.key("groups", "slack", "S0LEADS")
    assert 0 < rt.redis.ttl(key) <= 900 and json.loads(rt.redis.get(key))["users"] == ["U0BOB", "U0CAROL"]


def test_a_failed_fetch_keeps_what_was_cached_and_says_so(rt, mock_slack_api):
    fetch = usergroup_fetcher(web_client(token="xoxb-test", api_url=mock_slack_api.url))
    groups = Groups(store=rt.store, fetch=fetch)
    assert not groups.refresh("S0GONE")  # no_such_subteam
    assert groups.members("S0GONE") == frozenset()
