"""Who is who across platforms: four-eyes, "who asked" and approver matching compare people, not accounts.

Two sources link a person's accounts (Slack user ids, Teams Entra object ids and MRIs):

- `worker_configs/_people.yml`, reviewed like any config (bot/core/config/loader.py validates it);
- verified emails: when Slack (users.info `profile.email`) and Teams (the member's UPN or email) report
  the same address for two accounts, the surfaces call `learn_email`, and the accounts are one person
  from then on. Kept in Redis under the deployment's prefix: `people:email-of` (account -> email) and
  `people:by-email:<email>` (the accounts that reported it). A changed email moves the account.

An account never named anywhere is a person of its own, so an unlinked Teams approver works as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.core.config.people import Person
from bot.core.store import Store

# Move an account from its old email's set to the new one, atomically (two surfaces may learn at once).
_LEARN = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old == ARGV[2] then return 0 end
if old then redis.call('SREM', ARGV[3] .. old, ARGV[1]) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', ARGV[3] .. ARGV[2], ARGV[1])
return 1
"""


def normalize_email(email: str) -> str | None:
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    return email if local and at and "." in domain and " " not in email else None


class People:
    def __init__(self, *, persons: Sequence[Person] = (), store: Store | None = None) -> None:
        self.store = store
        self.persons = list(persons)
        self._configured: dict[str, frozenset[str]] = {}
        for person in self.persons:
            accounts = frozenset(person.accounts)
            for account in accounts:
                self._configured[account] = accounts

    def configured_accounts(self) -> set[str]:
        """Every account `_people.yml` names (the Teams surface prefers these ids for a sender)."""
        return set(self._configured)

    def accounts_of(self, account: str) -> frozenset[str]:
        """`account` and every account of the same person (configured, then learned from a shared email)."""
        linked = set(self._configured.get(account, {account}) | {account})
        if self.store is not None and account:
            for email in self._emails_of(linked):
                linked |= {a.decode() for a in self.store.redis.smembers(self._by_email(email))}
            for extra in list(linked):  # a learned account may itself be in _people.yml
                linked |= self._configured.get(extra, set())
        return frozenset(linked)

    def same(self, a: str, b: str) -> bool:
        return a == b or b in self.accounts_of(a)

    def learn_email(self, *, account: str, email: str) -> bool:
        """Record the verified email a platform reported for `account`; True when it changed. Call it only
        with an address the platform verified (Slack's profile email, Teams' UPN or email)."""
        clean = normalize_email(email)
        if self.store is None or not account or clean is None:
            return False
        return bool(
            self.store.redis.eval(
                _LEARN, 1, self.store.key("people", "email-of"), account, clean, self._by_email("")
            )
        )

    def _emails_of(self, accounts: set[str]) -> set[str]:
        ordered = sorted(accounts)
        found = self.store.redis.hmget(self.store.key("people", "email-of"), ordered) if self.store else []
        return {e.decode() for e in found if e}

    def _by_email(self, email: str) -> str:
        assert self.store is not None
        return self.store.key("people", "by-email", email)


def learn_slack_user(people: People, user: dict[str, Any]) -> bool:
    """From Slack's `users.info` user object (needs the `users:read.email` scope): its profile email, for a
    human whose address Slack confirmed. The Slack surface calls it once per user it has not seen lately."""
    email = (user.get("profile") or {}).get("email")
    if (
        not isinstance(email, str)
        or user.get("is_bot")
        or user.get("deleted")
        or user.get("is_email_confirmed") is False
    ):
        return False
    return people.learn_email(account=str(user.get("id") or ""), email=email)
