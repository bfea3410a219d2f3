"""Delegation and out-of-office: `/mission delegate @colleague until DATE`, `delegate off`, `delegations`,
`away until DATE`, `away off`.

While a delegation holds, the delegate may decide what the delegator may decide, on the delegator's
authority (bot/missions/decisions.py asks `delegators_of`); the card and the audit event say "on behalf of".
It does not chain: only a person's own authority is lent, and someone who delegated their approvals cannot
take another's. A delegate never decides on a mission they asked for. An approver who is away without a
delegate is skipped by the escalation ladder (bot/missions/escalation.py).

Stored under the deployment's prefix: `delegation:<delegator>` (JSON, with an expiry a day past its end),
`delegates-to:<delegate>` (the delegators, a set), `away:<person>`. Expiry is read against the runtime's
clock at each use, so a delegation that ends while a card waits stops working at that moment.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from pydantic import BaseModel

from bot.core.errors import BadRequest
from bot.core.runtime import Runtime

_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]+)$|^@?(29:[\w:-]+)$")
MAX_DAYS = 366


class Delegation(BaseModel):
    delegator: str
    delegate: str
    until: datetime
    created_at: datetime


def person_id(text: str) -> str:
    """A colleague named by a Slack mention (`<@U…|name>`), a user id or a Teams MRI."""
    found = _MENTION.match(text.strip())
    if not found:
        raise BadRequest(f"Name the colleague with an @mention, not {text!r}.")
    return next(g for g in found.groups() if g)


def parse_until(rt: Runtime, text: str) -> datetime:
    """`2026-12-24` means through that day (UTC); it must be ahead, and within a year."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"A date is written YYYY-MM-DD, not {text!r}.") from None
    until = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
    now = rt.clock()
    if until <= now:
        raise BadRequest(f"{text} has passed.")
    if until - now > timedelta(days=MAX_DAYS):
        raise BadRequest(f"At most {MAX_DAYS} days ahead.")
    return until


def _key(rt: Runtime, *parts: str) -> str:
    return rt.store.key(*parts)


def _ttl(rt: Runtime, until: datetime) -> int:
    return int((until - rt.clock()).total_seconds()) + 86400  # kept a day past its end, then Redis drops it


def active(rt: Runtime, delegator: str) -> Delegation | None:
    return _holding(rt, rt.redis.get(_key(rt, "delegation", delegator)))


def _holding(rt: Runtime, raw: bytes | None) -> Delegation | None:
    found = Delegation.model_validate_json(raw) if raw else None
    return found if found is not None and found.until > rt.clock() else None


def delegate(rt: Runtime, *, actor: str, to: str, until: datetime) -> Delegation:
    if rt.people.same(actor, to):
        raise BadRequest("You cannot delegate to yourself.")
    if active(rt, to) is not None:
        raise BadRequest(f"@{to} has delegated their own approvals; a delegation does not chain.")
    if delegators_of(rt, actor):
        raise BadRequest("You decide on someone else's behalf now; a delegation does not chain.")
    end(rt, actor=actor, quiet=True)
    made = Delegation(delegator=actor, delegate=to, until=until, created_at=rt.clock())
    with rt.redis.pipeline() as pipe:
        pipe.set(_key(rt, "delegation", actor), made.model_dump_json(), ex=_ttl(rt, until))
        pipe.sadd(_key(rt, "delegates-to", to), actor)
        pipe.execute()
    rt.audit.record("delegation.created", actor=actor, delegate=to, until=until.isoformat())
    return made


def end(rt: Runtime, *, actor: str, quiet: bool = False) -> bool:
    """`delegate off`; False when there was none."""
    current = active(rt, actor)
    rt.redis.delete(_key(rt, "delegation", actor))
    if current is None:
        return False
    rt.redis.srem(_key(rt, "delegates-to", current.delegate), actor)
    if not quiet:
        rt.audit.record("delegation.ended", actor=actor, delegate=current.delegate, why="ended")
    return True


def delegators_of(rt: Runtime, delegate: str) -> list[Delegation]:
    """The delegations to `delegate` holding now (an ended one is dropped from the index here)."""
    found = []
    for raw in sorted(rt.redis.smembers(_key(rt, "delegates-to", delegate))):
        delegator = raw.decode()
        current = active(rt, delegator)
        if current is not None and current.delegate == delegate:
            found.append(current)
        else:
            rt.redis.srem(_key(rt, "delegates-to", delegate), delegator)
    return found


def delegation_keys(rt: Runtime, entries: list[str]) -> list[str]:
    """The delegation keys of everyone the approver entries cover now: read them with one MGET (a caller
    may join it to its own reads), then `delegates_among` the replies."""
    accounts = dict.fromkeys(a for entry in entries for a in sorted(rt.groups.members(entry)))
    return [_key(rt, "delegation", account) for account in accounts]


def delegates_among(rt: Runtime, raws: list[bytes | None], *, requester: str) -> list[str]:
    """The delegates of the delegations read (never the mission's requester)."""
    found: list[str] = []
    for raw in raws:
        lent = _holding(rt, raw)
        if lent and lent.delegate not in found and not rt.people.same(lent.delegate, requester):
            found.append(lent.delegate)
    return found


def set_away(rt: Runtime, *, actor: str, until: datetime | None) -> None:
    """`away until DATE` (None: `away off`)."""
    if until is None:
        rt.redis.delete(_key(rt, "away", actor))
    else:
        rt.redis.set(_key(rt, "away", actor), until.isoformat(), ex=_ttl(rt, until))
    rt.audit.record("away.changed", actor=actor, until=until.isoformat() if until else None)


def is_away(rt: Runtime, person: str) -> bool:
    raw = rt.redis.get(_key(rt, "away", person))
    return raw is not None and datetime.fromisoformat(raw.decode()) > rt.clock()


def skipped(rt: Runtime, person: str) -> bool:
    """The escalation ladder skips someone away with nobody holding their approvals."""
    return is_away(rt, person) and active(rt, person) is None


def listing(
    rt: Runtime, *, actor: str, none: str = "No delegations: you decide for yourself, and nobody for you."
) -> str:
    lines = []
    if (mine := active(rt, actor)) is not None:
        lines.append(
            f"You delegated your approvals to @{mine.delegate} until {mine.until:%Y-%m-%d %H:%M} UTC."
        )
    lines += [
        f"You decide on behalf of @{d.delegator} until {d.until:%Y-%m-%d %H:%M} UTC."
        for d in delegators_of(rt, actor)
    ]
    if is_away(rt, actor):
        lines.append("You are marked away.")
    return "\n".join(lines) or none
