"""Enqueue a rate-limited RQ job once, in one round trip: its duplicate marker (RQ refuses unique=True for a
rate-limited job), the checks and the record that go with the marker, and RQ's own writes of the enqueue,
all in one script, so a crash leaves either all of them or none.

RQ's writes are not written again here: `Queue._enqueue_rate_limited_job` queues them on a pipeline that is
never sent, and the script replays that pipeline's commands after the marker. The one script RQ queues
there (the slot promotion) is inlined as a Lua function, from RQ's own text, since a script cannot call
another by its SHA. Like that promotion, the replay touches keys it does not declare: one Redis server
(or a Sentinel-watched primary), as RQ itself requires."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from redis.connection import Encoder
from rq import rate_limit
from rq.job import Job
from rq.queue import Queue

from bot.core import lua
from bot.core.errors import NotFound

# KEYS: marker, latest-run record ('': none), record whose status must match ('': none). ARGV: job id,
# status wanted, RQ's commands' word counts (comma-separated) and their words, each after its length (4
# bytes, big-endian: one `struct.unpack` splits them all): two arguments instead of ~75 that redis-py would
# encode and pack one by one, and Redis would make into as many Lua strings anyway.
# {1} when marked and enqueued now, {0} when marked before, {-1} when the record's status is another, {-2}
# when there is no such record. A command that fails takes the marker and the latest run back, so a retry
# is not refused for 24 h.
_MARK_AND_ENQUEUE = """
local function rq_promote(KEYS, ARGV)
%s
end
if KEYS[3] ~= '' then
  local raw = redis.call('GET', KEYS[3])
  if not raw then return {-2} end
  if cjson.decode(raw).status ~= ARGV[2] then return {-1} end
end
if not redis.call('SET', KEYS[1], 1, 'NX', 'EX', 86400) then return {0} end
local previous = false
if KEYS[2] ~= '' then previous = redis.call('SET', KEYS[2], ARGV[1], 'EX', 604800, 'GET') end
local function enqueue()
  local counts, total = {}, 0
  for n in string.gmatch(ARGV[3], '%%d+') do
    counts[#counts + 1] = tonumber(n)
    total = total + tonumber(n)
  end
  local words, at = {struct.unpack('>' .. string.rep('I4c0', total), ARGV[4])}, 1
  for _, n in ipairs(counts) do
    local command = {unpack(words, at, at + n - 1)}
    at = at + n
    if command[1] == 'EVALSHA' then
      local nkeys = tonumber(command[3])
      rq_promote({unpack(command, 4, 3 + nkeys)}, {unpack(command, 4 + nkeys)})
    else
      redis.call(unpack(command))
    end
  end
end
local ok, err = pcall(enqueue)
if not ok then
  redis.call('DEL', KEYS[1])
  if KEYS[2] ~= '' then
    if previous then redis.call('SET', KEYS[2], previous, 'EX', 604800) else redis.call('DEL', KEYS[2]) end
  end
  return redis.error_reply(type(err) == 'table' and err.err or tostring(err))
end
return {1}
"""


@dataclass(frozen=True, kw_only=True)
class Marked:
    """Where a rate-limited job's marker stands: `latest` records the run job (bot/missions/recovery.py)
    at the marker's write; `status` (of `record`, a mission) gates the enqueue in the same round trip."""

    latest: str = ""
    record: str = ""
    status: str = ""


@lru_cache(maxsize=4)
def _script_text(promotion: str) -> str:
    return _MARK_AND_ENQUEUE % promotion


def _rq_commands(queue: Queue, job: Job) -> tuple[str, bytes]:
    """RQ's enqueue of `job` (the queue's registration, the job's save into the rate-limited registry, the
    slot promotion), as the sizes and words `_MARK_AND_ENQUEUE` replays."""
    with queue.connection.pipeline() as pipe:
        pipe.sadd(queue.redis_queues_keys, queue.key)
        queue._enqueue_rate_limited_job(job, pipeline=pipe)
        if {s.script for s in pipe.scripts} != {rate_limit.ACQUIRE_AND_ENQUEUE_SCRIPT}:
            raise RuntimeError("RQ's rate-limited enqueue queues a script other than its slot promotion")
        return _packed([args for args, _options in pipe.command_stack], queue.connection.get_encoder())


def _packed(commands: list[tuple[Any, ...]], encoder: Encoder) -> tuple[str, bytes]:
    """Each command's word count, and the words as redis-py would send them (its encoder's bytes; a command
    name with a space split), each after its length: one join costs a fraction of redis-py's packing."""
    counts: list[str] = []
    words: list[bytes] = []
    text, errors, encode = encoder.encoding, encoder.encoding_errors, encoder.encode
    for args in commands:
        if isinstance(args[0], str) and " " in args[0]:
            args = (*args[0].split(), *args[1:])
        counts.append(str(len(args)))
        for arg in args:
            kind = type(arg)
            word = arg.encode(text, errors) if kind is str else arg if kind is bytes else bytes(encode(arg))
            words += (len(word).to_bytes(4, "big"), word)
    return ",".join(counts), b"".join(words)


def enqueue_once(queue: Queue, job: Job, *, marked: Marked, replace_stale: bool = False) -> bool:
    """Enqueue `job` (created, not saved) unless its marker says it was: True when enqueued now.
    `replace_stale`: a marker whose job no longer exists (finished and expired, removed) counts as absent."""
    script = lua.script(queue.connection, _script_text(rate_limit.ACQUIRE_AND_ENQUEUE_SCRIPT))
    keys = [f"{job.id}:enqueued", marked.latest, marked.record]
    args = [job.id, marked.status, *_rq_commands(queue, job)]
    outcome = int(script(keys=keys, args=args)[0])
    if outcome == 0 and replace_stale and not Job.exists(job.id, connection=queue.connection):
        queue.connection.delete(keys[0])  # a concurrent caller may mark it first: then this one is refused
        outcome = int(script(keys=keys, args=args)[0])
    if outcome == -2:
        raise NotFound(f"no such record {marked.record}")
    return outcome == 1
