"""Who a Teams user is, in the ids Teams needs: their MRI (`29:…`, the activity's `from.id`).

Config names approvers by Entra object id (`aadObjectId`) or by MRI; Teams wants MRIs in a card's
`refresh.userIds`, and a 1:1 chat can only be opened with the MRI, the bot's id, the tenant and the
service URL. Every activity a user sends (a message, a card invoke) tells us all of that, so we keep
it per user, under both of their ids, in one Redis hash under the store's prefix.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from bot.core.people import People
from bot.core.runtime import Runtime
from bot.core.store import Store

MRI_MARK = "29:"  # Teams user MRIs; 28: is a bot, 19: a channel or group chat


def is_mri(user: str) -> bool:
    return user.startswith(MRI_MARK)


def ids_of(raw: dict[str, Any]) -> list[str]:
    """The sender's ids, Entra object id first (stable across tenants' apps), then the MRI."""
    sender = raw.get("from") or {}
    return list(dict.fromkeys(i for i in (sender.get("aadObjectId"), sender.get("id")) if i))


def configured_ids(rt: Runtime) -> set[str]:
    """Every account any worker names (owners, approvers, backups) and every account `_people.yml` links."""
    return {
        user
        for w in rt.workers.values()
        for user in (w.owner, *w.escalation.approvers, *w.escalation.backup)
        if user
    } | rt.people.configured_accounts()


def learn_email(people: People, raw: dict[str, Any]) -> bool:
    """Teams' verified address for the sender (the member record's UPN, else its email), when the activity
    (or the member the surface fetched into `from`) carries one: links them to a Slack account with it."""
    sender = raw.get("from") or {}
    email = sender.get("userPrincipalName") or sender.get("email")
    if not isinstance(email, str):
        return False
    return any([people.learn_email(account=user, email=email) for user in ids_of(raw)])


def identity(raw: dict[str, Any], known: set[str]) -> str:
    """The one id the core sees for this sender: whichever of their ids the config names (the Entra object
    id when both or neither are), so a requester and an approver are the same person to the four-eyes rule."""
    ids = ids_of(raw)
    return next((i for i in ids if i in known), ids[0] if ids else "")


class TeamsUsers:
    def __init__(self, *, store: Store, people: People | None = None) -> None:
        self.store = store
        self.people = people  # given: an approver named by another platform's id gets their linked MRIs

    @property
    def _key(self) -> str:
        return self.store.key("teams", "users")

    def remember(self, raw: dict[str, Any]) -> None:
        """Keep what a proactive 1:1 needs, under the sender's Entra object id and MRI."""
        sender = raw.get("from") or {}
        mri = sender.get("id") or ""
        if not mri:
            return
        tenant = ((raw.get("channelData") or {}).get("tenant") or {}).get("id") or (
            raw.get("conversation") or {}
        ).get("tenantId")
        entry = json.dumps(
            {
                "mri": mri,
                "aad": sender.get("aadObjectId"),
                "name": sender.get("name"),
                "service_url": raw.get("serviceUrl"),
                "tenant": tenant,
                "bot": raw.get("recipient") or {},
            }
        )
        self.store.redis.hset(self._key, mapping={user: entry for user in ids_of(raw)})
        if self.people is not None:
            learn_email(self.people, raw)

    def lookup(self, user: str) -> dict[str, Any] | None:
        """What we know of `user` (an Entra object id or an MRI), or None if they never wrote to the bot."""
        raw = self.store.redis.hget(self._key, user)
        return json.loads(raw) if raw is not None else None

    def name(self, user: str) -> str:
        """How a card shows `user`: the name from their last activity, else their id (a `Who`)."""
        if user == "auto":
            return "automatically"
        known = self.lookup(user) if user else None
        return (known or {}).get("name") or user

    def mris(self, users: Iterable[str], *, limit: int) -> list[str]:
        """The MRIs of `users`: an MRI as given, an Entra object id if we have seen that person; others
        (a Slack id, someone who never wrote to the bot) have none."""
        users = list(dict.fromkeys(users))
        if self.people is not None:
            users = list(
                dict.fromkeys(a for u in users for a in sorted(self.people.accounts_of(u), key=u.__ne__))
            )
        if not users:
            return []
        found = self.store.redis.hmget(self._key, users)
        out: list[str] = []
        for user, entry in zip(users, found, strict=True):
            mri = user if is_mri(user) else (json.loads(entry)["mri"] if entry is not None else "")
            if mri and mri not in out:
                out.append(mri)
        return out[:limit]
