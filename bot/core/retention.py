"""Retention for mission records: a mission closed longer ago than the retention goes, with its proposals,
observations and dedupe markers (`done`, `posted`, `proposal-content`) and its index entries.

The store notes when each mission closes (`<prefix>:closed:<worker>`, scored by the time); missions that
closed before that index existed are noted on the first sweep (`backfill`). Nothing pending ever goes: a
mission that is open again, has a pending proposal, or an undo the trust check has not read yet is kept.
Each mission goes in one transaction that watches its records, so a change landing meanwhile keeps it.
The audit events about a mission stay (they have their own retention: bot/core/audit_retention.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from redis.exceptions import WatchError

from bot.core.models import Mission, Proposal
from bot.core.store import Store

PAGE = 500
# Keys named after the mission id: its record, observations, dedupe markers, counters, last run job.
PER_MISSION = (
    *("mission", "obs", "obs-order", "done", "posted", "proposal-content"),
    *("tool-calls", "tool-calls-refused", "run-job"),
)


def backfill(store: Store, worker: str) -> int:
    """Note the closed missions the `closed` index does not hold yet (once per worker); returns how many."""
    done_key = store.key("closed-backfilled", worker)
    if store.redis.exists(done_key):
        return 0
    index, closed, opened, noted, offset = (
        store.key("missions", worker),
        store.key("closed", worker),
        store.key("open", worker),
        0,
        0,
    )
    while ids := [m.decode() for m in store.redis.zrange(index, offset, offset + PAGE - 1)]:
        offset += len(ids)
        known = store.redis.zmscore(closed, ids)
        still_open = store.redis.smismember(opened, ids)
        fresh = [m for m, score, o in zip(ids, known, still_open, strict=True) if score is None and not o]
        if fresh:
            now = time.time()
            noted += store.redis.zadd(closed, dict.fromkeys(fresh, now), nx=True)
    store.redis.set(done_key, 1)
    return noted


def expire_closed(store: Store, *, workers: Iterable[str], before: datetime) -> list[str]:
    """Delete the missions (and what belongs to them) that closed before `before`; returns their ids."""
    gone = []
    for worker in workers:
        backfill(store, worker)
        closed = store.key("closed", worker)
        for raw_id in store.redis.zrangebyscore(closed, "-inf", f"({before.timestamp()}"):
            if _forget(store, worker, raw_id.decode()):
                gone.append(raw_id.decode())
    return gone


def _forget(store: Store, worker: str, mission_id: str) -> bool:
    key, closed = store.key("mission", mission_id), store.key("closed", worker)
    with store.redis.pipeline() as pipe:
        try:
            pipe.watch(key)
            raw = pipe.get(key)
            mission = Mission.model_validate_json(raw) if raw else None
            if mission is not None and mission.is_open:
                store.redis.zrem(closed, mission_id)  # reopened: noted again when it closes
                return False
            pids = mission.proposals if mission else []
            pkeys = [store.key("proposal", pid) for pid in pids]
            thread = (
                store.key("thread", mission.platform, mission.conversation, mission.thread)
                if (mission and mission.thread)
                else None
            )
            if pkeys or thread:
                pipe.watch(*pkeys, *([thread] if thread else []))
            proposals = [Proposal.model_validate_json(p) for p in (pipe.mget(pkeys) if pkeys else []) if p]
            undos = pipe.smismember(store.key("undos", worker), pids) if pids else []
            if any(p.status == "pending" for p in proposals) or any(undos):
                return False  # pending things never expire by retention
            ours = thread is not None and pipe.get(thread) == mission_id.encode()
            pipe.multi()
            pipe.delete(*(store.key(part, mission_id) for part in PER_MISSION), *pkeys)
            if ours:
                pipe.delete(thread)
            pipe.zrem(store.key("missions", worker), mission_id)
            pipe.zrem(closed, mission_id)
            if pids:
                pipe.zrem(store.key("pending"), *pids)
            pipe.execute()
        except WatchError:
            return False  # changed meanwhile: the next sweep looks again
    store.records.forget(key)
    return True
