"""What a mission's steps leave in the store: observations, in order, and the markers that make a retried
step neither repeat nor lose its post or its audit event. A part of `Store` (bot/core/store.py)."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.atomic import Ahead, Observed, Write
from bot.core.audit import Audit, Sealed
from bot.core.models import Mission, Observation
from bot.core.store_records import KeyedRecords

_ADD_OBSERVATION = """
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
"""


class StepRecords(KeyedRecords):
    # -- observations --------------------------------------------------------------------
    def add_observation(self, mission_id: str, obs: Observation) -> bool:
        """False when this step's observation was already recorded (a retried mission)."""
        # One script: the record and its place in the order are written together or not at all.
        added = self.redis.eval(
            _ADD_OBSERVATION,
            2,
            self.key("obs", mission_id),
            self.key("obs-order", mission_id),
            obs.key,
            obs.model_dump_json(),
        )
        return bool(added)

    def record_observation(
        self,
        mission_id: str,
        obs: Observation,
        *,
        audit: Audit,
        sealed: Sealed,
        first: Sealed | None = None,
        first_done: str = "",
        change: Callable[[Mission], Mission] | None = None,
        ahead: Ahead | None = None,
    ) -> tuple[Observed, Mission | None]:
        """The observation, its audit event `sealed` (once per step, marker `obs-<key>`; `first`, the step's
        tool read, before it and with it; with `first_done`, its own marker, set with it), its posted marker
        and (`change`) the mission's saved progress in one script (bot/core/atomic.py). The mission comes
        back None when `change` was not applied: the caller saves it (a step recorded before, or a change
        that closes the mission). `ahead`: the next step's call start, read with `change` applied (it says
        in its `reply` whether it ran)."""
        keys = [self.key(part, mission_id) for part in ("obs", "obs-order", "done", "posted")]
        args = {
            "step": obs.key,
            "observation": obs.model_dump_json(),
            "done": f"obs-{obs.key}",
            "first": first,
            "first_done": first_done,
        }
        if change is not None:
            key = self.key("mission", mission_id)

            def write(before: Mission, after: Mission) -> Write:
                return lambda expected, new: self.records.scripts.observe(
                    keys, **args, audit=audit, sealed=sealed, record=(key, expected, new), ahead=ahead
                )

            swapped = self.records.swap(
                key, Mission, change, keep=lambda _, after: after.is_open, write=write
            )
            if swapped is not None:
                updated, outcome = swapped
                assert outcome.observed is not None
                return outcome.observed, updated if outcome.written else None
        outcome = self.records.scripts.observe(keys, **args, audit=audit, sealed=sealed)
        assert outcome.observed is not None
        return outcome.observed, None

    def observation(self, mission_id: str, key: str) -> Observation | None:
        raw = self.redis.hget(self.key("obs", mission_id), key)
        return None if raw is None else Observation.model_validate_json(raw)

    def observations(self, mission_id: str) -> list[Observation]:
        order = [k.decode() for k in self.redis.lrange(self.key("obs-order", mission_id), 0, -1)]
        raw = self.redis.hmget(self.key("obs", mission_id), order) if order else []
        return [Observation.model_validate_json(r) for r in raw if r]

    def mark_posted(self, mission_id: str, key: str) -> bool:
        return bool(self.redis.hsetnx(self.key("posted", mission_id), key, 1))

    def unmark_posted(self, mission_id: str, key: str) -> None:
        self.redis.hdel(self.key("posted", mission_id), key)

    def done(self, mission_id: str, marker: str) -> bool:
        return bool(self.redis.hexists(self.key("done", mission_id), marker))

    def mark_done(self, mission_id: str, marker: str) -> None:
        self.redis.hset(self.key("done", mission_id), marker, 1)
