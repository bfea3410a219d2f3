"""Scripts for what one step writes, in one round trip: a record's compare-and-set (optionally with the
audit event of that change) and an observation with its audit event and its posted marker.

Each is one Lua script, so it is atomic like the WATCH/MULTI rounds it replaces: what it writes is written
together or not at all, and durable (in Redis) before the caller's next step starts. The audit chain is
appended with `bot/core/audit.py`'s own `APPEND_FN`, before the script's other writes, so a failed append
writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel
from redis import Redis

from bot.core.audit import Audit, Sealed
from bot.core.audit_scripts import APPEND_FN
from bot.core.call_scripts import BEGIN_CALL_FN
from bot.core.errors import NotFound

# KEYS: record[, stream, head[, done markers]]. ARGV: expected bytes, new bytes[, body, mac[, marker]].
# {0}: no such record. {1, current}: the record is not `expected` (nothing written). {2, seq}: written; with
# a marker, the event is appended (and the marker set) only if the marker was not set: seq -1 otherwise.
_CAS = (
    APPEND_FN
    + """
local current = redis.call('GET', KEYS[1])
if not current then return {0} end
if current ~= ARGV[1] then return {1, current} end
local seq = 0
if #KEYS == 4 and redis.call('HEXISTS', KEYS[4], ARGV[5]) == 1 then
  seq = -1
elseif #KEYS >= 3 then
  seq = audit_append(KEYS[2], KEYS[3], ARGV[3], ARGV[4])
  if #KEYS == 4 then redis.call('HSET', KEYS[4], ARGV[5], 1) end
end
redis.call('SET', KEYS[1], ARGV[2])
return {2, seq}
"""
)

# KEYS: obs, obs-order, done markers, posted markers, stream, head[, record[, the next step's call keys]].
# ARGV: step key, observation JSON, done marker, event body, event mac, first event's body and mac ('': none:
# the step's tool read or the proposal it made, appended before the observation's own event, with it or not
# at all), first event's own done marker ('': none)[, record's expected bytes, new bytes[, next step, cap]].
# {added, seq, posted}: seq -1 when the event was recorded before; {0, -2, 0} when the observation was
# recorded before but not its event (a crash in between, before these writes were one script): the caller
# audits the text recorded then, marks the post and sets the record. With a record (the mission, whose
# progress the step saves), nothing is written unless it holds the expected bytes: {0, -3, 0} no such
# record, {0, -4, 0, current} another value. {0, -5, 0}: the first event's marker is set but not the
# observation's (written apart by an earlier version): nothing written, the caller writes them apart.
# With the next step's call keys, once written, its call start (`begin_call`) is the reply's fifth element.
_OBSERVE = (
    APPEND_FN
    + BEGIN_CALL_FN
    + """
if #KEYS >= 7 then
  local current = redis.call('GET', KEYS[7])
  if not current then return {0, -3, 0} end
  if current ~= ARGV[9] then return {0, -4, 0, current} end
end
local done = redis.call('HEXISTS', KEYS[3], ARGV[3]) == 1
local added = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0
if not added and not done then return {0, -2, 0} end
if not done and ARGV[8] ~= '' and redis.call('HEXISTS', KEYS[3], ARGV[8]) == 1 then return {0, -5, 0} end
local seq = -1
if not done then
  if ARGV[6] ~= '' then audit_append(KEYS[5], KEYS[6], ARGV[6], ARGV[7]) end
  if ARGV[8] ~= '' then redis.call('HSET', KEYS[3], ARGV[8], 1) end
  seq = audit_append(KEYS[5], KEYS[6], ARGV[4], ARGV[5])
end
if added then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('RPUSH', KEYS[2], ARGV[1])
end
redis.call('HSET', KEYS[3], ARGV[3], 1)
if #KEYS >= 7 then redis.call('SET', KEYS[7], ARGV[10]) end
local reply = {added and 1 or 0, seq, redis.call('HSETNX', KEYS[4], ARGV[1], 1)}
if #KEYS == 11 then
  reply[4] = false
  reply[5] = begin_call(KEYS[8], KEYS[9], KEYS[10], KEYS[11], ARGV[11], ARGV[12])
end
return reply
"""
)
M = TypeVar("M", bound=BaseModel)
_SEEN = 128  # records whose last seen bytes are kept (a mission with a long agent transcript is large)


@dataclass(frozen=True, kw_only=True)
class Swapped:
    found: bool  # False: no such record
    written: bool  # False: the record was not the expected bytes; `current` holds what it is
    current: bytes | None = None
    observed: Observed | None = None  # what `Scripts.observe` did besides


@dataclass(frozen=True, kw_only=True)
class Observed:
    added: bool  # False: recorded by an earlier try
    audit_missing: bool  # recorded before, its event not: the caller records it from the stored text
    first_apart: bool = False  # nothing written: `first` was appended before on its own (`first_done`)
    post: bool  # this call owns the post (the posted marker was set now)
    appended: bool  # the events (the observation's, and `first`) were appended now


Write = Callable[[bytes, str], Swapped]  # (expected bytes, new bytes) -> what the script did


class Ahead(Protocol):
    """A call start to read ahead (bot/core/limits.py `CallAhead`): `begin_call`'s keys and arguments."""

    keys: list[str]
    args: list[str | int]
    reply: list[Any] | None


class Scripts:
    def __init__(self, redis: Redis) -> None:
        self._cas = redis.register_script(_CAS)
        self._observe = redis.register_script(_OBSERVE)

    def compare_and_set(
        self,
        key: str,
        *,
        expected: bytes,
        new: str,
        audit: Audit | None = None,
        sealed: Sealed | None = None,
        once: tuple[str, str] | None = None,
    ) -> Swapped:
        """Set `key` to `new` only if it holds `expected`; with `sealed`, its event is appended with it
        (with `once` = (hash key, field), only if that marker is not set, and the marker set with it)."""
        if sealed is None or audit is None:
            reply = self._cas(keys=[key], args=[expected, new])
        else:
            marker_key, marker = ([once[0]], [once[1]]) if once else ([], [])
            reply = audit.commit(
                sealed,
                lambda: self._cas(
                    keys=[key, *audit.keys_for_script, *marker_key],
                    args=[expected, new, sealed.body, sealed.mac, *marker],
                ),
                appended=lambda r: int(r[0]) == 2 and int(r[1]) != -1,
            )
        status = int(reply[0])
        return Swapped(found=status != 0, written=status == 2, current=reply[1] if status == 1 else None)

    def observe(
        self,
        keys: list[str],
        *,
        step: str,
        observation: str,
        done: str,
        audit: Audit,
        sealed: Sealed,
        first: Sealed | None = None,
        first_done: str = "",
        record: tuple[str, bytes, str] | None = None,
        ahead: Ahead | None = None,
    ) -> Swapped:
        """`keys`: the observations hash, their order list, the done markers, the posted markers.
        `first`: an event appended before the observation's (`sealed` was sealed after it), with it or not;
        `first_done`: its own done marker, set with it (an event that must go in once, as `record_once`).
        `record`: (key, expected bytes, new bytes) set with the observation (only if it holds them).
        `ahead` (with `record`): the next step's call start, run once the rest is written; its answer is
        left in `ahead.reply` (untouched when nothing was written)."""
        extra_keys, extra_args = ([record[0]], [record[1], record[2]]) if record else ([], [])
        if record and ahead is not None:
            extra_keys, extra_args = [*extra_keys, *ahead.keys], [*extra_args, *ahead.args]
        leading = [first.body, first.mac, first_done] if first is not None else ["", "", ""]
        reply = audit.commit(
            [first, sealed] if first is not None else sealed,
            lambda: self._observe(
                keys=[*keys, *audit.keys_for_script, *extra_keys],
                args=[step, observation, done, sealed.body, sealed.mac, *leading, *extra_args],
            ),
            appended=lambda r: int(r[1]) >= 0,
        )
        added, seq, post = (int(v) for v in reply[:3])
        if ahead is not None and len(reply) > 4:
            ahead.reply = reply[4]
        observed = Observed(
            added=bool(added),
            audit_missing=seq == -2,
            post=bool(post),
            appended=seq >= 0,
            first_apart=seq == -5,
        )
        return Swapped(
            found=seq != -3,
            written=seq not in (-2, -3, -4, -5),
            current=reply[3] if seq == -4 else None,
            observed=observed,
        )


class Records:
    """Compare-and-set over the bytes last seen of each record (`saw`): a change is computed from them and
    set only if Redis still holds them, in one round trip; when it does not, the script answers what it
    holds, and the change runs again on that."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self.redis, self.prefix = redis, prefix
        self.scripts = Scripts(redis)
        self._seen: dict[str, bytes] = {}

    def saw(self, key: str, raw: bytes | str) -> None:
        if len(self._seen) >= _SEEN:
            self._seen.clear()  # a forgotten record costs one read, never a wrong write
        self._seen[key] = raw.encode() if isinstance(raw, str) else raw

    def forget(self, key: str) -> None:
        self._seen.pop(key, None)

    def swap(
        self,
        key: str,
        cls: type[M],
        change: Callable[[M], M],
        *,
        keep: Callable[[M, M], bool] = lambda before, after: True,
        write: Callable[[M, M], Write] | None = None,
    ) -> tuple[M, Swapped] | None:
        """`change` runs on the bytes last seen (else read); it may raise to abort, but only on bytes known
        current. `write(before, after)` is the script that sets the record (default: a plain compare-and-
        set). None: `keep(before, after)` was false, nothing written (the caller takes its WATCH path)."""
        raw, fresh = self._seen.get(key), False
        while True:
            if raw is None:
                raw, fresh = self.redis.get(key), True
                if raw is None:
                    raise self._missing(key)
            before = cls.model_validate_json(raw)
            try:
                updated = change(before)
            except Exception:
                if fresh:
                    raise
                raw = None  # computed on bytes that may be stale: decide on the current ones
                continue
            if not keep(before, updated):
                return None
            new = updated.model_dump_json()
            if write is None:
                swapped = self.scripts.compare_and_set(key, expected=raw, new=new)
            else:
                swapped = write(before, updated)(raw, new)
            if not swapped.found:
                self.forget(key)
                raise self._missing(key)
            if swapped.written:
                self.saw(key, new)
                return updated, swapped
            if swapped.current is None:  # the script wrote nothing and says why elsewhere (`observed`)
                return updated, swapped
            raw, fresh = swapped.current, True

    def _missing(self, key: str) -> NotFound:
        return NotFound(f"no such record {key.removeprefix(self.prefix + ':')}")
