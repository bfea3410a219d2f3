"""Approver groups: who is in a group named in `escalation.approvers`/`backup` or a tool's `from_groups`.

An approver entry is a person's account (`U0OWNER1`, an Entra object id, a Teams MRI) or a group:

- `@name`: a group of `worker_configs/_groups.yml`: its Slack ids, Teams AAD ids and MRIs side by side, plus
  the live members of the Slack user group it names (`slack_usergroup: S…`), so one group works on both;
- `S…`: a Slack user group by id.

Slack user groups are read from a Redis cache (`groups:slack:<id>`, a short expiry) only: membership is
checked when someone decides, without a Web API call before the ack. The cache is filled by `refresh`
(the `subteam_members_changed` event, and the periodic sweep for groups whose entry is getting old), with a
fetcher the composition root passes in (Slack's `usergroups.users.list`, bot/platforms/slack/usergroups.py).
A group whose members are not cached yet has no members: nobody is let in on a guess.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping

from bot.core.config.people import GroupDef
from bot.core.store import Store

log = logging.getLogger(__name__)
CACHE_SECONDS = 900  # a removed member can decide for at most this long when every refresh fails
REFRESH_AFTER_SECONDS = 300  # the sweep refreshes entries older than this
_SLACK_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")

Fetch = Callable[[str], list[str]]  # Slack user group id -> its member user ids


def is_group(entry: str) -> bool:
    return entry.startswith("@") or bool(_SLACK_GROUP_ID.match(entry))


class Groups:
    def __init__(
        self,
        *,
        defined: Mapping[str, GroupDef] | None = None,
        store: Store | None = None,
        fetch: Fetch | None = None,
    ) -> None:
        self.defined = dict(defined or {})
        self.store = store
        self.fetch = fetch

    def members(self, entry: str) -> frozenset[str]:
        """The accounts an approver entry covers: itself for an account, the members for a group."""
        if not is_group(entry):
            return frozenset({entry})
        if entry.startswith("@"):
            group = self.defined.get(entry[1:])
            if group is None:
                return frozenset()  # unknown: `missionbot check` reports it with file and line
            cached = self.slack_members(group.slack_usergroup) if group.slack_usergroup else frozenset()
            return frozenset(group.accounts) | cached
        return self.slack_members(entry)

    def by_name(self, name: str) -> frozenset[str]:
        """A `from_groups` name (`finance` or `@finance`, or a Slack user group id)."""
        return self.members(name if name.startswith("@") or _SLACK_GROUP_ID.match(name) else f"@{name}")

    def slack_members(self, usergroup: str) -> frozenset[str]:
        if self.store is None:
            return frozenset()
        raw = self.store.redis.get(self._key(usergroup))
        return frozenset(json.loads(raw)["users"]) if raw else frozenset()

    def remember(self, usergroup: str, users: Iterable[str]) -> None:
        """Cache a Slack user group's members as fetched now."""
        if self.store is None:
            return
        entry = {"users": sorted(set(users)), "at": self._now()}
        self.store.redis.set(self._key(usergroup), json.dumps(entry), ex=CACHE_SECONDS)

    def refresh(self, usergroup: str) -> bool:
        """Fetch and cache one Slack user group; False without a fetcher or when the fetch failed."""
        if self.fetch is None:
            return False
        try:
            users = self.fetch(usergroup)
        except Exception:  # Slack down or the scope missing: the cache expires, nobody is let in on a guess
            log.warning("refreshing Slack user group %s failed", usergroup, exc_info=True)
            return False
        self.remember(usergroup, users)
        return True

    def slack_usergroups(self, entries: Iterable[str]) -> set[str]:
        """The Slack user groups behind approver entries (the sweep keeps these cached)."""
        found: set[str] = set()
        for entry in entries:
            if entry.startswith("@") and (group := self.defined.get(entry[1:])) and group.slack_usergroup:
                found.add(group.slack_usergroup)
            elif _SLACK_GROUP_ID.match(entry):
                found.add(entry)
        return found

    def refresh_due(self, usergroups: Iterable[str]) -> list[str]:
        """Refresh the groups whose cache is missing or older than REFRESH_AFTER_SECONDS."""
        done = []
        for usergroup in sorted(set(usergroups)):
            raw = self.store.redis.get(self._key(usergroup)) if self.store else None
            if raw and self._now() - json.loads(raw)["at"] < REFRESH_AFTER_SECONDS:
                continue
            if self.refresh(usergroup):
                done.append(usergroup)
        return done

    def _key(self, usergroup: str) -> str:
        assert self.store is not None
        return self.store.key("groups", "slack", usergroup)

    def _now(self) -> float:
        assert self.store is not None
        seconds, micros = self.store.redis.time()  # Redis' clock: every process agrees on the age
        return seconds + micros / 1e6
