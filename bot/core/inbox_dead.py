"""The inbox's dead letters: an entry whose handling failed `MISSIONBOT_INBOX_MAX_ATTEMPTS` deliveries in a
row (a payload the handling cannot take, or a bug) leaves the inbox for `<prefix>:inbox:dead`, where an
operator reads it (`XRANGE <prefix>:inbox:dead - +`; README "Inbox dead letters").

Moving is one script: the XADD to the dead-letter stream, the XACK and the XDEL of the inbox entry happen
together or not at all, and only while the entry is still pending, so a process killed at any point (or two
sweeps racing) dead-letters it once. The count of attempts is Redis's own delivery count (bot/core/inbox.py
`Entry.deliveries`): no counter of ours.
"""

from __future__ import annotations

from redis import Redis

from bot.core.inbox import GROUP, Entry, Inbox, _entry

# Kept: the newest this many (MAXLEN ~, so trimming stays cheap); they are few unless something is broken.
MAXLEN = 10_000

# KEYS: the inbox stream, the dead-letter stream. ARGV: group, entry id, maxlen, deliveries.
_BURY = """
local held = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #held == 0 then
  return 0
end
local found = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2])
local fields = {}
if #found > 0 then
  fields = found[1][2]
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*',
  'inbox_id', ARGV[2], 'deliveries', ARGV[4], unpack(fields))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
"""

# Fields the dead letter adds to the entry's own.
INBOX_ID, DELIVERIES = "inbox_id", "deliveries"


class DeadLetters:
    def __init__(self, *, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.stream = f"{prefix}:inbox:dead"
        self._bury = redis.register_script(_BURY)

    def bury(self, inbox: Inbox, entry: Entry) -> bool:
        """Move `entry` here, acked and deleted from `inbox`; False when it was no longer pending (already
        handled, or already moved by another process), and nothing changed."""
        args = [GROUP, entry.id, MAXLEN, entry.deliveries]
        return bool(self._bury(keys=[inbox.stream, self.stream], args=args))

    def read(self, *, count: int = 100) -> list[Entry]:
        """The newest `count`, newest first: each with its entry's fields plus `inbox_id` and
        `deliveries`."""
        found = self.redis.xrevrange(self.stream, max="+", min="-", count=count)
        return [_entry(dead_id, raw) for dead_id, raw in found]

    def __len__(self) -> int:
        return int(self.redis.xlen(self.stream))
