"""Scripts for what one step writes, in one round trip: a record's compare-and-set (optionally with the
audit event of that change) and an observation with its audit event and its posted marker.

Each is one Lua script, so it is atomic like the WATCH/MULTI rounds it replaces: what it writes is written
together or not at all, and durable (in Redis) before the caller's next step starts. The audit chain is
appended with `bot/core/audit.py`'s own `APPEND_FN`, before the script's other writes, so a failed append
writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis

from bot.core.audit import APPEND_FN, Audit, Sealed

# KEYS: record[, stream, head]. ARGV: expected bytes, new bytes[, body, mac].
# {0}: no such record. {1, current}: the record is not `expected` (nothing written). {2, seq}: written.
_CAS = (
    APPEND_FN
    + """
local current = redis.call('GET', KEYS[1])
if not current then return {0} end
if current ~= ARGV[1] then return {1, current} end
local seq = 0
if #KEYS == 3 then seq = audit_append(KEYS[2], KEYS[3], ARGV[3], ARGV[4]) end
redis.call('SET', KEYS[1], ARGV[2])
return {2, seq}
"""
)

# KEYS: obs, obs-order, done markers, posted markers, stream, head.
# ARGV: step key, observation JSON, done marker, event body, event mac.
# {added, seq, posted}: seq -1 when the event was recorded before; {0, -2, 0} when the observation was
# recorded before but not its event (a crash in between, before these writes were one script): the caller
# audits the text recorded then, and marks the post.
_OBSERVE = (
    APPEND_FN
    + """
local done = redis.call('HEXISTS', KEYS[3], ARGV[3]) == 1
local added = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0
if not added and not done then return {0, -2, 0} end
local seq = -1
if not done then seq = audit_append(KEYS[5], KEYS[6], ARGV[4], ARGV[5]) end
if added then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('RPUSH', KEYS[2], ARGV[1])
end
redis.call('HSET', KEYS[3], ARGV[3], 1)
return {added and 1 or 0, seq, redis.call('HSETNX', KEYS[4], ARGV[1], 1)}
"""
)


@dataclass(frozen=True, kw_only=True)
class Swapped:
    found: bool  # False: no such record
    written: bool  # False: the record was not the expected bytes; `current` holds what it is
    current: bytes | None = None


@dataclass(frozen=True, kw_only=True)
class Observed:
    added: bool  # False: recorded by an earlier try
    audit_missing: bool  # recorded before, its event not: the caller records it from the stored text
    post: bool  # this call owns the post (the posted marker was set now)


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
    ) -> Swapped:
        """Set `key` to `new` only if it holds `expected`; with `sealed`, its event is appended with it."""
        if sealed is None or audit is None:
            reply = self._cas(keys=[key], args=[expected, new])
        else:
            reply = audit.commit(
                sealed,
                lambda: self._cas(
                    keys=[key, *audit.keys_for_script], args=[expected, new, sealed.body, sealed.mac]
                ),
                appended=lambda r: int(r[0]) == 2,
            )
        status = int(reply[0])
        return Swapped(found=status != 0, written=status == 2, current=reply[1] if status == 1 else None)

    def observe(
        self, keys: list[str], *, step: str, observation: str, done: str, audit: Audit, sealed: Sealed
    ) -> Observed:
        """`keys`: the observations hash, their order list, the done markers, the posted markers."""
        added, seq, post = audit.commit(
            sealed,
            lambda: self._observe(
                keys=[*keys, *audit.keys_for_script],
                args=[step, observation, done, sealed.body, sealed.mac],
            ),
            appended=lambda r: int(r[1]) >= 0,
        )
        return Observed(added=bool(added), audit_missing=int(seq) == -2, post=bool(post))
