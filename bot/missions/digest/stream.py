"""The fold's read of the audit stream: a batch of events as one JSON text built inside Redis.

`Audit.events` parses every entry's id and fields with redis-py's RESP parser (pure Python without
hiredis: about 10 bulk strings an event, most of a fold's time at 100,000 missions a week). The fold needs
only each event's body, so a script joins a batch's id and body pairs into one JSON array and the client
decodes the batch in one `orjson.loads`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from bot.core.runtime import Runtime

# KEYS[1] the stream; ARGV[1] the first id (inclusive, "(id" exclusive), ARGV[2] the batch size.
_BATCH = """
local entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])
local out = {}
for _, entry in ipairs(entries) do
  local fields = entry[2]
  for j = 1, #fields, 2 do
    if fields[j] == 'event' then
      out[#out + 1] = '["' .. entry[1] .. '",' .. fields[j + 1] .. ']'
      break
    end
  end
end
local last = entries[#entries]
return {last and last[1] or '', '[' .. table.concat(out, ',') .. ']'}
"""


def batches(rt: Runtime, start: str, size: int = 2000) -> Iterator[list[dict[str, Any]]]:
    """Events from stream id `start` (inclusive), `size` at a time, each its body plus `_id`."""
    script = rt.redis.register_script(_BATCH)
    first = start
    while True:
        last, text = script(keys=[rt.audit.stream], args=[first, size])
        events = []
        for entry_id, event in orjson.loads(text):
            event["_id"] = entry_id
            events.append(event)
        if events:
            yield events
        if not last:
            return
        first = "(" + (last.decode() if isinstance(last, bytes) else last)
