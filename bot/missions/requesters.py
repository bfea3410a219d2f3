"""Who may ask: a worker's `requesters:` (people or groups; unset: anyone in its channels), a per-person
hourly cap (`limits.missions_per_person_per_hour`), and the requester's own cancel of a waiting mission.

A refused requester is told why, and nothing is recorded. The cap counts a person (every linked account,
bot/core/people.py) in a Redis sorted set per worker and person, checked and counted in one script.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.config.models import WorkerConfig
from bot.core.errors import BadRequest, NotAuthorized
from bot.core.models import Mission
from bot.core.policy import mention
from bot.core.runtime import Runtime
from bot.missions import closing

CANCELLED = (
    "withdrawn"  # the mission status of a requester's cancel (its cards: "Cancelled by the requester")
)

# KEYS: the person's submits. ARGV: now, cap, mission id. 0 when counted, else the oldest submit's time.
_PERSON_CAP = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - 3600)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('EXPIRE', KEYS[1], 3700)
return 0
"""


def refusal(rt: Runtime, worker: WorkerConfig, *, requester: str, mission_id: str) -> str | None:
    """Why `requester` may not start a mission of `worker` now (and it is counted when they may)."""
    cap = worker.limits.missions_per_person_per_hour
    if not worker.requesters and not cap:
        return None  # anyone may ask, uncapped: no need to read who the requester is (a round trip)
    person = rt.people.accounts_of(requester) | {requester}
    if worker.requesters and not any(rt.groups.members(e) & person for e in worker.requesters):
        names = ", ".join(mention(e) for e in worker.requesters)
        return (
            f"Only {names} can ask {worker.display_name} for missions; "
            f"ask one of them, or its owner @{worker.owner}."
        )
    if not cap:
        return None
    now = rt.clock()
    key = rt.store.key("submits-by", worker.name, min(person))  # one key per person, whichever account
    oldest = rt.redis.eval(_PERSON_CAP, 1, key, now.timestamp(), cap, mission_id)
    if not float(oldest):
        return None
    again = datetime.fromtimestamp(float(oldest) + 3600, tz=now.tzinfo) + timedelta(minutes=1)
    return (
        f"You have asked {worker.display_name} for {cap} missions in the last hour, your limit; "
        f"try again at {again:%H:%M} UTC."
    )


def cancelled_text(mission: Mission) -> str:
    """What the requester reads after their cancel, whichever surface they used."""
    return f"⏹ {mission.id} is cancelled; its open cards say so."


def uncount(rt: Runtime, worker: WorkerConfig, *, requester: str, mission_id: str) -> None:
    """Take back the cap's count of a request the worker's own limits then refused (kill switch, budget,
    rate): the person asked, but nothing started, so it must not use up their hour."""
    if worker.limits.missions_per_person_per_hour:
        person = rt.people.accounts_of(requester) | {requester}
        rt.redis.zrem(rt.store.key("submits-by", worker.name, min(person)), mission_id)


def cancel(rt: Runtime, mission_id: str, *, actor: str) -> Mission:
    """The requester withdraws their own open mission; its pending cards flip to "Cancelled by the
    requester" (closing settles them in the same transaction)."""
    mission = rt.store.mission(mission_id)
    if not rt.people.same(actor, mission.requester):
        raise NotAuthorized(f"Only the requester @{mission.requester} can cancel {mission_id}.")
    if not mission.is_open:
        raise BadRequest(f"{mission_id} is already {mission.status}.")
    rt.audit.record("mission.cancel_requested", actor=actor, worker=mission.worker, mission=mission_id)
    closing.close(rt, mission, status=CANCELLED, text="Cancelled by the requester")
    return rt.store.mission(mission_id)
