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

from rq import rate_limit
from rq.job import Job
from rq.queue import Queue

from bot.core import lua
from bot.core.errors import NotFound

# KEYS: marker, latest-run record ('': none), record whose status must match ('': none). ARGV: job id,
# status wanted, the record's expected bytes and its new bytes ('': leave it), then RQ's commands, each as
# its length and its words. {1} when marked and enqueued now, {0} when marked before, {-1} when the
# record's status is another, {-2} when there is no such record, {-3} when it is not the expected bytes
# (nothing written). The record's new bytes are set whether the job is enqueued now or was before.
# A command that fails takes the marker and the latest run back, so a retry is not refused for 24 h.
_MARK_AND_ENQUEUE = """
local function rq_promote(KEYS, ARGV)
%s
end
if KEYS[3] ~= '' then
  local raw = redis.call('GET', KEYS[3])
  if not raw then return {-2} end
  if ARGV[3] ~= '' and raw ~= ARGV[3] then return {-3} end
  if cjson.decode(raw).status ~= ARGV[2] then return {-1} end
  if ARGV[3] ~= '' then redis.call('SET', KEYS[3], ARGV[4]) end
end
if not redis.call('SET', KEYS[1], 1, 'NX', 'EX', 86400) then return {0} end
local previous = false
if KEYS[2] ~= '' then previous = redis.call('SET', KEYS[2], ARGV[1], 'EX', 604800, 'GET') end
local function enqueue()
  local i = 5
  while i <= #ARGV do
    local n = tonumber(ARGV[i])
    local command = {unpack(ARGV, i + 1, i + n)}
    if command[1] == 'EVALSHA' then
      local nkeys = tonumber(command[3])
      rq_promote({unpack(command, 4, 3 + nkeys)}, {unpack(command, 4 + nkeys)})
    else
      redis.call(unpack(command))
    end
    i = i + n + 1
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
    at the marker's write; `status` (of `record`, a mission) gates the enqueue in the same round trip, in
    which `replace` may also change the record (a mission's status message, attached as it starts)."""

    latest: str = ""
    record: str = ""
    status: str = ""
    # (expected bytes, new bytes) of `record`: set in the same round trip, if it holds the expected ones
    replace: tuple[bytes | str, bytes | str] | None = None


class RecordChanged(Exception):
    """`Marked.replace`: the record no longer holds the expected bytes; nothing was written."""


@lru_cache(maxsize=4)
def _script_text(promotion: str) -> str:
    return _MARK_AND_ENQUEUE % promotion


def _rq_commands(queue: Queue, job: Job) -> list[Any]:
    """RQ's enqueue of `job` (the queue's registration, the job's save into the rate-limited registry, the
    slot promotion), as the flat words `_MARK_AND_ENQUEUE` replays."""
    with queue.connection.pipeline() as pipe:
        pipe.sadd(queue.redis_queues_keys, queue.key)
        queue._enqueue_rate_limited_job(job, pipeline=pipe)
        if {s.script for s in pipe.scripts} != {rate_limit.ACQUIRE_AND_ENQUEUE_SCRIPT}:
            raise RuntimeError("RQ's rate-limited enqueue queues a script other than its slot promotion")
        words: list[Any] = []
        for args, _options in pipe.command_stack:
            words += [len(args), *args]
        return words


def enqueue_once(queue: Queue, job: Job, *, marked: Marked, replace_stale: bool = False) -> bool:
    """Enqueue `job` (created, not saved) unless its marker says it was: True when enqueued now.
    `replace_stale`: a marker whose job no longer exists (finished and expired, removed) counts as absent."""
    script = lua.script(queue.connection, _script_text(rate_limit.ACQUIRE_AND_ENQUEUE_SCRIPT))
    keys = [f"{job.id}:enqueued", marked.latest, marked.record]
    expected, new = marked.replace or ("", "")
    commands = _rq_commands(queue, job)
    outcome = int(script(keys=keys, args=[job.id, marked.status, expected, new, *commands])[0])
    if outcome == 0 and replace_stale and not Job.exists(job.id, connection=queue.connection):
        queue.connection.delete(keys[0])  # a concurrent caller may mark it first: then this one is refused
        # The record's replacement, if any, was written by the first call.
        outcome = int(script(keys=keys, args=[job.id, marked.status, "", "", *commands])[0])
    if outcome == -2:
        raise NotFound(f"no such record {marked.record}")
    if outcome == -3:
        raise RecordChanged(marked.record)
    return outcome == 1
