"""The tokens of a worker's missions created in a window, summed inside Redis a page at a time."""

from __future__ import annotations

import contextlib
from datetime import datetime

from bot.core.errors import NotFound
from bot.core.runtime import Runtime

_TOKENS = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[2], 'LIMIT', ARGV[3], ARGV[4])
local total, odd = 0, {}
for _, id in ipairs(ids) do
  local raw = redis.call('GETRANGE', ARGV[5] .. id, -40, -1)  -- the record's end, not all of it
  if raw ~= '' then
    local n = string.match(raw, '"tokens":%s*(%d+)%s*}$')
    if n then total = total + tonumber(n) else odd[#odd + 1] = id end
  end
end
return {#ids, tostring(total), odd}
"""


def tokens_of(rt: Runtime, worker_name: str, *, start: datetime, end: datetime, page: int = 5000) -> int:
    """Tokens of the worker's missions created in [start, end), summed in Redis a page at a time (a mission
    record ends with its `tokens`; one that does not is parsed here). Expired records count nothing."""
    index, prefix = rt.store.key("missions", worker_name), rt.store.key("mission", "")
    total, offset = 0, 0
    while True:
        seen, subtotal, odd = rt.redis.eval(
            _TOKENS, 1, index, start.timestamp(), f"({end.timestamp()}", offset, page, prefix
        )
        total += int(subtotal)
        for mission_id in odd:
            with contextlib.suppress(NotFound):
                total += rt.store.mission(mission_id.decode()).tokens
        if seen < page:
            return total
        offset += page
