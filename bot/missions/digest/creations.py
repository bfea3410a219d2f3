"""When each proposal was created, kept per UTC day of creation for as long as a proposal can wait: a
decision folded hours or days after its proposal still gets its time to decide."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.runtime import Runtime
from bot.missions.digest.events import longest_wait
from bot.missions.trust import SKEW

DAY = timedelta(days=1)


def _key(rt: Runtime, day: datetime) -> str:
    return rt.store.key("digest", "created", day.astimezone(UTC).strftime("%Y-%m-%d"))


def longest_wait_of(rt: Runtime) -> timedelta:
    return max((longest_wait(w) for w in rt.workers.values()), default=DAY)


def store(rt: Runtime, events: list[dict[str, Any]], created: dict[str, list[Any]]) -> None:
    keep = int((longest_wait_of(rt) + 2 * DAY).total_seconds())
    by_day: dict[str, dict[str, str]] = {}  # one HSET and one EXPIRE per day and batch
    for e in events:
        if e["kind"] == "proposal.created" and e["proposal"] in created:
            key = _key(rt, datetime.fromisoformat(e["at"]))
            by_day.setdefault(key, {})[e["proposal"]] = json.dumps(created[e["proposal"]])
    with rt.redis.pipeline(transaction=False) as pipe:
        for key, mapping in by_day.items():
            pipe.hset(key, mapping=mapping)
            pipe.expire(key, keep)
        pipe.execute()


def stored(rt: Runtime, pids: list[str], events: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """Creations an earlier run saw, from the day-keyed hashes covering the longest possible wait."""
    last = max(datetime.fromisoformat(e["at"]) for e in events)
    days = [last - DAY * n for n in range((longest_wait_of(rt) + SKEW) // DAY + 2)]
    with rt.redis.pipeline(transaction=False) as pipe:
        for day in days:
            pipe.hmget(_key(rt, day), pids)
        found: dict[str, list[Any]] = {}
        for values in pipe.execute():
            for pid, raw in zip(pids, values, strict=True):
                if raw is not None and pid not in found:
                    found[pid] = json.loads(raw)
    return found
