"""The Redis store: missions (created with their indexes, closed with their proposals settled in the same
transaction) and each worker's control. Every key lives under the deployment's prefix."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime

from redis.client import Pipeline
from redis.exceptions import WatchError

from bot.core import lua
from bot.core.atomic import Write
from bot.core.audit import Audit, Sealed
from bot.core.errors import NotFound
from bot.core.lifecycle import settle
from bot.core.models import Control, Mission, Proposal
from bot.core.store_proposals import ProposalRecords
from bot.core.store_steps import StepRecords

# A mission and its worker's control, in one round trip (the control's key follows from the record).
# KEYS: mission. ARGV: key prefix. {mission or false, control or false}.
_MISSION_AND_CONTROL = """
local raw = redis.call('GET', KEYS[1])
if not raw then return {false, false} end
return {raw, redis.call('GET', ARGV[1] .. ':control:' .. cjson.decode(raw).worker)}
"""


class Store(StepRecords, ProposalRecords):
    """Every record of the bot: missions and controls here, proposals (`store_proposals`) and steps
    (`store_steps`) in their parts, all over `KeyedRecords` (`store_records`)."""

    # -- missions ------------------------------------------------------------------------
    def create_mission(
        self, mission: Mission, *, audit: Audit | None = None, sealed: Sealed | None = None
    ) -> None:
        """The record, its indexes and (with `sealed`) its audit event in one transaction: one round trip."""
        key, raw = self.key("mission", mission.id), mission.model_dump_json()
        if audit is not None and sealed is not None:
            audit.commit(
                sealed, lambda: self._create_mission(mission, key, raw, audit, sealed), appended=bool
            )
        else:
            self._create_mission(mission, key, raw, None, None)
        self.records.saw(key, raw)

    def _create_mission(
        self, mission: Mission, key: str, raw: str, audit: Audit | None, sealed: Sealed | None
    ) -> list:
        with self.redis.pipeline() as pipe:
            if audit is not None and sealed is not None:  # first: an unreadable head fails the transaction
                pipe.eval(audit.append_script, 2, *audit.keys_for_script, sealed.body, sealed.mac)
            record, index, open_set, thread = self.mission_keys(mission)
            pipe.set(record, raw, nx=True)
            pipe.zadd(index, {mission.id: mission.created_at.timestamp()})
            pipe.sadd(open_set, mission.id)
            if thread:
                pipe.set(thread, mission.id)
            return pipe.execute()

    def mission_keys(self, mission: Mission) -> list[str]:
        """What a new mission writes: its record, the worker's mission index, its open set and the thread's
        mission ('' without a thread)."""
        thread = mission.thread and self.key("thread", mission.platform, mission.conversation, mission.thread)
        return [
            self.key("mission", mission.id),
            self.key("missions", mission.worker),
            self.key("open", mission.worker),
            thread or "",
        ]

    def mission(self, mission_id: str) -> Mission:
        found = self._get(self.key("mission", mission_id), Mission)
        if found is None:
            raise NotFound(f"no mission {mission_id}")
        return found

    def mission_and_control(self, mission_id: str) -> tuple[Mission, Control | None]:
        """The mission and its worker's control (None: never set), read together: what a run starts from."""
        key = self.key("mission", mission_id)
        raw, control = lua.script(self.redis, _MISSION_AND_CONTROL)(keys=[key], args=[self.prefix])
        if raw is None:
            raise NotFound(f"no mission {mission_id}")
        self.records.saw(key, raw)
        return Mission.model_validate_json(raw), control and Control.model_validate_json(control)

    def mutate_mission(
        self,
        mission_id: str,
        change: Callable[[Mission], Mission],
        *,
        event: Callable[[Mission, Mission], tuple[Audit, Sealed] | None] = lambda before, after: None,
        once: tuple[str, str] | None = None,
    ) -> Mission:
        """Like `_mutate`; a change that closes an open mission also settles its proposals in the SAME
        transaction (bot/core/lifecycle.py), so no decision or execution claim can land in between.
        A change that leaves it open is one compare-and-set; `event(before, after)`, if given, is the audit
        event of that change (None: none), appended in the same script; with `once` = (hash key, field), only
        if that done marker is not set, and the marker set with it (as `Audit.record_once`)."""
        key = self.key("mission", mission_id)

        def write(before: Mission, after: Mission) -> Write:
            appends = event(before, after)
            audit, sealed = appends if appends is not None else (None, None)
            return lambda expected, new: self.records.scripts.compare_and_set(
                key, expected=expected, new=new, audit=audit, sealed=sealed, once=once
            )

        swapped = self.records.swap(key, Mission, change, keep=lambda _, after: after.is_open, write=write)
        if swapped is not None:
            return swapped[0]
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    if raw is None:
                        raise NotFound(f"no such record mission:{mission_id}")
                    before = Mission.model_validate_json(raw)
                    updated = change(before)
                    closing = before.is_open and not updated.is_open
                    settled = self._settled_by_close(pipe, updated) if closing else []
                    appends = event(before, updated)
                    # A marked event goes after the transaction, on its own (as the CAS path's, once).
                    appends, marked = (None, appends) if once is not None else (appends, None)
                    pipe.multi()
                    if appends is not None:  # first: an unreadable head fails the transaction
                        audit, sealed = appends
                        pipe.eval(audit.append_script, 2, *audit.keys_for_script, sealed.body, sealed.mac)
                    pipe.set(key, new := updated.model_dump_json())
                    if not updated.is_open:
                        pipe.srem(self.key("open", updated.worker), mission_id)
                        # When it closed (wall time; retention counts days from it: bot/core/retention.py).
                        pipe.zadd(self.key("closed", updated.worker), {mission_id: time.time()})
                    for proposal in settled:
                        pipe.set(self.key("proposal", proposal.id), proposal.model_dump_json())
                        pipe.zrem(self.key("pending"), proposal.id)
                    if appends is None:
                        pipe.execute()
                    else:
                        appends[0].commit(appends[1], pipe.execute, appended=bool)
                    self.records.saw(key, new)
                    for proposal in settled:
                        self.records.forget(self.key("proposal", proposal.id))
                    if marked is not None and once is not None:
                        marked[0].append_once(marked[1], done=once)
                    return updated
                except WatchError:
                    continue

    def _settled_by_close(self, pipe: Pipeline, mission: Mission) -> list[Proposal]:
        """The mission's proposals as its close leaves them (only those it changes), read under WATCH."""
        keys = [self.key("proposal", pid) for pid in mission.proposals]
        if not keys:
            return []
        pipe.watch(*keys)  # added to the mission key's WATCH: a decision landing first aborts the close
        found = [Proposal.model_validate_json(raw) for raw in pipe.mget(keys) if raw is not None]
        return [p for p in (settle(mission, proposal) for proposal in found) if p is not None]

    def open_missions(self, worker: str) -> list[str]:
        return sorted(m.decode() for m in self.redis.smembers(self.key("open", worker)))

    def mission_for_thread(self, platform: str, conversation: str, thread: str) -> str | None:
        raw = self.redis.get(self.key("thread", platform, conversation, thread))
        return raw.decode() if raw else None

    def missions_of(self, worker: str, *, since: datetime | None = None) -> list[str]:
        low = since.timestamp() if since else "-inf"
        return [m.decode() for m in self.redis.zrangebyscore(self.key("missions", worker), low, "+inf")]

    # -- control -------------------------------------------------------------------------
    def control(self, worker: str, *, default_autonomy: str) -> Control:
        found = self._get(self.key("control", worker), Control)
        return found or Control(autonomy=default_autonomy)

    def set_control(self, worker: str, control: Control) -> None:
        self.redis.set(self.key("control", worker), control.model_dump_json())

    # -- misc ----------------------------------------------------------------------------
    def set_json(self, key: str, value: object, *, ttl: int | None = None) -> None:
        self.redis.set(self.key(key), json.dumps(value), ex=ttl)
