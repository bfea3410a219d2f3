"""A worker's limits: missions per hour and the weekly token budget at submit, concurrency on enqueue;
inside a mission, the weekly budget and the mission's own token and tool-call caps before every model turn.

Counters live in Redis (several `serve` processes share them); time comes from the runtime's clock.
Concurrency is RQ's own `RateLimit`: mission jobs of one worker beyond `limits.concurrency` wait in
RQ's rate-limited registry and start as running ones finish.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rq import RateLimit

from bot.core import lua, metrics
from bot.core.audit import Sealed
from bot.core.audit_scripts import APPEND_FN
from bot.core.call_scripts import ADMIT_CALL_FN, BEGIN_CALL_FN
from bot.core.config.models import WorkerConfig
from bot.core.models import Control, Mission, Proposal
from bot.core.runtime import Runtime

# Count this submission only if the worker is not halted, its weekly token budget is not spent and the hour
# window has room: one round trip, atomic under concurrent submits. KEYS: submits, tokens, control ('' keys
# are skipped)[, audit stream, audit head, mission, missions index, open set, thread ('': none)]. ARGV: now,
# per hour, mission id, weekly budget (0: none)[, event body, event mac, mission JSON, created score].
# Returns {1, '0'} when admitted, {0, oldest} when the hour is full, {2, spent} when the budget is spent,
# {3, '0'} when halted. With the mission's keys, an admitted mission is recorded in the same script: its
# event first (an unreadable audit head fails the script before anything is written), then the count, the
# record, its indexes and its thread; {4, '0'} when the mission is recorded already (another handling of
# the same request created it first): nothing is written.
_ADMIT = (
    APPEND_FN
    + """
if #KEYS > 3 and redis.call('EXISTS', KEYS[6]) == 1 then return {4, '0'} end
if KEYS[3] ~= '' then
  local control = redis.call('GET', KEYS[3])
  if control and cjson.decode(control).killed == true then return {3, '0'} end
end
local budget = tonumber(ARGV[4])
if budget > 0 then
  local spent = tonumber(redis.call('GET', KEYS[2]) or '0')
  if spent >= budget then return {2, tostring(spent)} end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - 3600)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, oldest[2]}
end
if #KEYS > 3 then audit_append(KEYS[4], KEYS[5], ARGV[5], ARGV[6]) end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], 3700)
if #KEYS > 3 then
  redis.call('SET', KEYS[6], ARGV[7], 'NX')
  redis.call('ZADD', KEYS[7], ARGV[8], ARGV[3])
  redis.call('SADD', KEYS[8], ARGV[3])
  if KEYS[9] ~= '' then redis.call('SET', KEYS[9], ARGV[3]) end
end
return {1, '0'}
"""
)

_TOOL_CALL = ADMIT_CALL_FN + "return admit_call(KEYS[1], KEYS[2], ARGV[1], ARGV[2])\n"
_BEGIN_CALL = BEGIN_CALL_FN + "return begin_call(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2])\n"


@dataclass(frozen=True, kw_only=True)
class CallStart:
    proposal: Proposal | None  # the step's proposal, made by an earlier run
    control: Control  # the switch the caller checks, and hands the gate
    admitted: bool  # False also when not asked (a proposal exists, or the switch is pulled)


@dataclass(frozen=True, kw_only=True)
class Refusal:
    text: str
    retry_at: datetime | None = None
    halted: bool = False  # the worker's kill switch is pulled (the caller words it; `text` is empty)
    recorded: bool = False  # `create`: the mission is recorded already, by another handling (`text` empty)


def _week(now: datetime) -> str:
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def _tokens_key(rt: Runtime, worker: str, now: datetime) -> str:
    return rt.store.key("tokens", worker, _week(now))


def tokens_this_week(rt: Runtime, worker: str) -> int:
    return int(rt.redis.get(_tokens_key(rt, worker, rt.clock())) or 0)


def add_tokens(rt: Runtime, worker: str, tokens: int) -> None:
    key = _tokens_key(rt, worker, rt.clock())
    with rt.redis.pipeline() as pipe:
        pipe.incrby(key, tokens)
        pipe.expire(key, int(timedelta(days=15).total_seconds()))
        pipe.execute()
    metrics.TOKENS.labels(worker=worker).inc(tokens)


def _next_week(now: datetime) -> datetime:
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday + timedelta(days=7)


def admit(
    rt: Runtime,
    worker: WorkerConfig,
    *,
    mission_id: str,
    unless_halted: bool = False,
    create: tuple[Mission, Sealed] | None = None,
) -> Refusal | None:
    """None when a new mission may start (and it is counted); else why not and when to try again.
    `unless_halted`: a pulled kill switch refuses too (`Refusal.halted`), read in the same round trip.
    `create`: the mission (with id `mission_id`) and its sealed `mission.created` event, recorded with its
    indexes in the same script when admitted (`Store.create_mission` in the same round trip as the count)."""
    now, limits = rt.clock(), worker.limits
    control = rt.store.key("control", worker.name) if unless_halted else ""
    keys = [rt.store.key("submits", worker.name), _tokens_key(rt, worker.name, now), control]
    args = [now.timestamp(), limits.missions_per_hour, mission_id, limits.weekly_token_budget or 0]
    if create is None:
        outcome, value = lua.script(rt.redis, _ADMIT)(keys=keys, args=args)
    else:
        mission, sealed = create
        raw = mission.model_dump_json()
        keys += [*rt.audit.keys_for_script, *rt.store.mission_keys(mission)]
        args += [sealed.body, sealed.mac, raw, mission.created_at.timestamp()]
        outcome, value = rt.audit.commit(
            sealed,
            lambda: lua.script(rt.redis, _ADMIT)(keys=keys, args=args),
            appended=lambda reply: int(reply[0]) == 1,  # else nothing was written
        )
        if int(outcome) == 1:
            rt.store.records.saw(rt.store.key("mission", mission.id), raw)
    outcome = int(outcome)
    if outcome == 4:
        return Refusal(text="", recorded=True)
    if outcome == 3:
        return Refusal(text="", halted=True)
    if outcome == 2:
        spent, again = int(value), _next_week(now)
        return Refusal(
            retry_at=again,
            text=(
                f"{worker.display_name} has used its weekly model budget ({spent:,} of "
                f"{limits.weekly_token_budget:,} tokens); new missions start again on "
                f"{again:%A %d %b at %H:%M UTC}. Its owner @{worker.owner} can raise the budget."
            ),
        )
    if outcome == 0:
        again = datetime.fromtimestamp(float(value) + 3600, tz=now.tzinfo) + timedelta(minutes=1)
        return Refusal(
            retry_at=again,
            text=(
                f"{worker.display_name} has taken {limits.missions_per_hour} missions in the last hour, "
                "its limit; "
                f"try again at {again:%H:%M} UTC."
            ),
        )
    return None


def estimate_tokens(*, chars: int) -> int:
    """For a provider that reports no usage: about four characters a token, so the budget still binds."""
    return max(1, chars // 4)


def admit_tool_call(rt: Runtime, mission_id: str, key: str, *, cap: int) -> bool:
    """True when the step `key` may call a tool: it was admitted before, or the mission is under `cap`."""
    refused = rt.redis.eval(
        _TOOL_CALL,
        2,
        rt.store.key("tool-calls", mission_id),
        rt.store.key("tool-calls-refused", mission_id),
        key,
        cap,
    )
    return not int(refused)


def begin_tool_call(
    rt: Runtime, worker: WorkerConfig, mission_id: str, key: str, *, proposal_id: str
) -> CallStart:
    """The step's proposal if one exists, else the worker's control and, unless its switch is pulled, the
    admission of the call (`admit_tool_call`) in the same script: one round trip."""
    ahead = call_ahead(rt, worker, mission_id, key, proposal_id=proposal_id)
    ahead.reply = lua.script(rt.redis, _BEGIN_CALL)(keys=ahead.keys, args=ahead.args)
    start = ahead.start()
    assert start is not None
    return start


@dataclass(kw_only=True)
class CallAhead:
    """A step's call start, read ahead: the script of the observation before it runs `begin_call` on these
    keys and args and leaves its answer in `reply` (None: it did not run; the call begins on its own)."""

    rt: Runtime
    worker: WorkerConfig
    key: str  # the step's key
    proposal_id: str
    keys: list[str]
    args: list[str | int]
    reply: list[Any] | None = None

    def start(self) -> CallStart | None:
        if self.reply is None:
            return None
        raw_proposal, raw_control, admission = self.reply
        worker = self.worker
        control = (
            Control.model_validate_json(raw_control) if raw_control else Control(autonomy=worker.autonomy)
        )
        proposal = self.rt.store.proposal_from(self.proposal_id, raw_proposal) if raw_proposal else None
        return CallStart(proposal=proposal, control=control, admitted=int(admission) == 0)


def call_ahead(
    rt: Runtime, worker: WorkerConfig, mission_id: str, key: str, *, proposal_id: str
) -> CallAhead:
    """The keys and arguments of step `key`'s call start (`begin_call`), for a script that runs it."""
    keys = [
        rt.store.key("proposal", proposal_id),
        rt.store.key("control", worker.name),
        rt.store.key("tool-calls", mission_id),
        rt.store.key("tool-calls-refused", mission_id),
    ]
    args: list[str | int] = [key, worker.limits.tool_calls_per_mission]
    return CallAhead(rt=rt, worker=worker, key=key, proposal_id=proposal_id, keys=keys, args=args)


def tool_calls_capped(rt: Runtime, mission_id: str) -> bool:
    """True once a tool call of the mission was turned away for the cap."""
    return bool(int(rt.redis.get(rt.store.key("tool-calls-refused", mission_id)) or 0))


def turn_refusal(rt: Runtime, worker: WorkerConfig, *, mission_id: str, mission_tokens: int) -> str | None:
    """Why a mission may not make another model call, or None: checked before every model turn."""
    limits = worker.limits
    spent = tokens_this_week(rt, worker.name)
    if limits.weekly_token_budget and spent >= limits.weekly_token_budget:
        return (
            f"{worker.display_name} has used its weekly model budget ({spent:,} of "
            f"{limits.weekly_token_budget:,} tokens)"
        )
    if limits.tokens_per_mission and mission_tokens >= limits.tokens_per_mission:
        return f"this mission has used {mission_tokens:,} tokens, its limit is {limits.tokens_per_mission:,}"
    if tool_calls_capped(rt, mission_id):
        return f"this mission asked for more than {limits.tool_calls_per_mission} tool calls, its limit"
    return None


def mission_rate_limit(rt: Runtime, worker: WorkerConfig) -> RateLimit:
    """At most `limits.concurrency` of this worker's mission jobs queued or running at once."""
    return RateLimit(
        key=f"{rt.settings.key_prefix}-missions-{worker.name}", concurrency=worker.limits.concurrency
    )
