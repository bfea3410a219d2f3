"""Precedent on the card: how similar past proposals of the same worker and tool were decided.

Similar means the same worker and tool and either the same account-like argument (`account_id`,
`username`…: a string argument naming who or what is acted on) or a numeric argument in the same
power-of-2 band (30 and 40 are in 16–32 and 32–64). Each decision is indexed when it is recorded
(`bot/missions/decisions.py`): a capped Redis list per worker + tool + similarity key, newest first,
written before the decision's audit event while its marker is unset (a crash in between writes it twice;
the read keeps one). A card reads at most `MAX_KEYS` lists of
`SHOWN + 1` entries in one round trip, so its cost is bounded whatever the history.

Each entry keeps where its mission's thread is (platform, conversation, root message), so the card links
every precedent to its mission without reading the mission (which retention may have removed): the link
itself is made when the card is, by the mission platform's messenger (`Notifier.precedents`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from redis import Redis
from redis.client import Pipeline

from bot.core.messages import reason_words

KEEP = 20  # entries kept per list
SHOWN = 5  # precedents shown on a card
MAX_KEYS = 4  # similarity keys per proposal (arguments in name order)
TTL_SECONDS = 180 * 86_400  # an index untouched for half a year goes
_ACCOUNT_LIKE = ("account", "customer", "user", "username", "tenant", "org", "email")


class Precedent(BaseModel):
    proposal: str
    mission: str
    outcome: str  # "approved" or "rejected"
    reason_code: str | None = None
    at: datetime
    platform: str | None = None  # where the mission's thread is (entries indexed before: no link)
    conversation: str | None = None
    thread: str | None = None  # the thread's root message
    link: str | None = None  # set when a card is made, never stored: the messenger's permalink


def _account_like(name: str) -> bool:
    base = name.lower().removesuffix("_id").removesuffix("id").rstrip("_")
    return base in _ACCOUNT_LIKE or name.lower().startswith(_ACCOUNT_LIKE)


def band(value: float) -> str:
    """The power-of-2 band of a number: 40 → "32-63"; zero and below share one band."""
    if value <= 0:
        return "le0"
    low = 2 ** math.floor(math.log2(value))
    return f"{low:g}-{2 * low:g}"


def similarity_keys(args: Mapping[str, Any]) -> list[str]:
    """`acct:account_id=ACME-7`, `band:amount=32-64`: what makes two proposals similar."""
    found = []
    for name in sorted(args, key=str):
        value = args[name]
        if isinstance(value, str) and value and _account_like(str(name)):
            found.append(f"acct:{name}={value[:64]}")
        elif isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            found.append(f"band:{name}={band(value)}")
    return found[:MAX_KEYS]


def index_keys(key: Callable[..., str], *, worker: str, tool: str, args: Mapping[str, Any]) -> list[str]:
    return [key("precedent", worker, tool, k) for k in similarity_keys(args)]


def record(
    redis: Redis,
    key: Callable[..., str],
    *,
    worker: str,
    tool: str,
    args: Mapping[str, Any],
    entry: Precedent,
) -> None:
    """Index one decision under each of its similarity keys, in one MULTI."""
    raw = entry.model_dump_json(exclude={"link"})
    with redis.pipeline() as pipe:
        for k in index_keys(key, worker=worker, tool=tool, args=args):
            pipe.lpush(k, raw)
            pipe.ltrim(k, 0, KEEP - 1)
            pipe.expire(k, TTL_SECONDS)
        pipe.execute()


def similar(
    redis: Redis, key: Callable[..., str], *, worker: str, tool: str, args: Mapping[str, Any], exclude: str
) -> list[Precedent]:
    """The last `SHOWN` similar decisions, newest first, never `exclude` (the card's own proposal)."""
    with redis.pipeline(transaction=False) as pipe:
        queued = queue_similar(pipe, key, worker=worker, tool=tool, args=args)
        lists = pipe.execute() if queued else []
    return pick(lists, exclude=exclude)


def queue_similar(
    pipe: Pipeline, key: Callable[..., str], *, worker: str, tool: str, args: Mapping[str, Any]
) -> int:
    """Queue `similar`'s reads on `pipe` (a caller joins them to its own reads: one round trip); the
    number of replies they add, for `pick`."""
    keys = index_keys(key, worker=worker, tool=tool, args=args)
    for k in keys:
        pipe.lrange(k, 0, SHOWN)  # one more than shown: the proposal itself may be among them
    return len(keys)


def pick(lists: list[list[bytes]], *, exclude: str) -> list[Precedent]:
    """`similar`'s answer from the replies of `queue_similar`."""
    seen: dict[str, Precedent] = {}
    for raw in (raw for entries in lists for raw in entries):
        entry = Precedent.model_validate_json(raw)
        if entry.proposal != exclude:
            seen.setdefault(entry.proposal, entry)
    return sorted(seen.values(), key=lambda p: p.at, reverse=True)[:SHOWN]


def line(precedents: list[Precedent], *, tool: str) -> str | None:
    """ "Last 5 similar issue_credit: 4 approved, 1 rejected (wrong amount)"."""
    if not precedents:
        return None
    approved = sum(p.outcome == "approved" for p in precedents)
    rejected = [p for p in precedents if p.outcome != "approved"]
    reasons = sorted({reason_words(p.reason_code) for p in rejected if p.reason_code})
    parts = [f"{approved} approved"] if approved else []
    if rejected:
        parts.append(f"{len(rejected)} rejected" + (f" ({', '.join(reasons)})" if reasons else ""))
    short = tool.rsplit(".", 1)[-1]
    return f"Last {len(precedents)} similar {short}: {', '.join(parts)}"
