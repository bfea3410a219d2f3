"""The audit chain's append, in Lua (the design: bot/core/audit.py). `APPEND_FN` is a function, so a script
that changes a record can append that change's event in the same atomic step (bot/core/atomic.py)."""

from __future__ import annotations

GENESIS = "0" * 64
# The append as a Lua function, so a script that changes a record can append that change's event in the same
# atomic step (bot/core/atomic.py). It reads before it writes, so an unreadable head fails the whole script
# before anything is written as long as callers append before their own writes.
# Returns the event's seq; 0 when the head already is this event (a client retry after a lost reply). A
# retry that races another writer lands twice; verify reports the repeat.
APPEND_FN = """
local function audit_append(stream, head_key, body, mac)
  local seq, prev = 0, 'GENESIS'
  local head = redis.call('GET', head_key)
  if head then
    local at = string.find(head, ':', 1, true)
    seq = at and tonumber(string.sub(head, 1, at - 1))
    if seq then
      prev = string.sub(head, at + 1)
    else  -- a head from before the chain was keyed ({"seq": n, "hash": h}): carry on from it
      local ok, old = pcall(cjson.decode, head)
      if not (ok and type(old) == 'table' and tonumber(old.seq)) then
        error({err = 'audit head unreadable: ' .. head_key})
      end
      seq, prev = tonumber(old.seq), tostring(old.hash)
    end
    if prev == mac then return 0 end
  end
  seq = seq + 1
  redis.call('XADD', stream, '*', 'event', body, 'mac', mac, 'seq', seq, 'prev', prev)
  redis.call('SET', head_key, seq .. ':' .. mac)
  return seq
end
""".replace("GENESIS", GENESIS)
# KEYS: stream, head. ARGV: body, mac.
APPEND = APPEND_FN + "return audit_append(KEYS[1], KEYS[2], ARGV[1], ARGV[2])\n"
# KEYS: stream, head, a hash of done markers. ARGV: body, mac, marker. The event once per marker: -1 when the
# marker was already set (the event was recorded by an earlier try), else the seq, with the marker set.
APPEND_ONCE = (
    APPEND_FN
    + """
if redis.call('HEXISTS', KEYS[3], ARGV[3]) == 1 then return -1 end
local seq = audit_append(KEYS[1], KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[3], 1)
return seq
"""
)
