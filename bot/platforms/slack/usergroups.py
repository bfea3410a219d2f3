"""Slack user groups for approver groups (bot/core/groups.py): `usergroups.users.list` (usergroups:read).

The core keeps the members in a short-lived Redis cache and never calls Slack before an ack; this is the
fetcher the composition root hands it, used by the `subteam_members_changed` listener and the sweep.
"""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient


def usergroup_fetcher(client: WebClient) -> Callable[[str], list[str]]:
    def fetch(usergroup: str) -> list[str]:
        # api_call with the method's real name (what usergroups_users_list does) so the manifest test sees it
        answer = client.api_call("usergroups.users.list", http_verb="GET", params={"usergroup": usergroup})
        return [str(u) for u in answer.get("users") or []]

    return fetch
