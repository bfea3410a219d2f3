"""Two weeks of the audit stream (plus the tokens of the week's missions) -> a `Digest`.

A window of whole hours (a scheduled digest) is read from the hourly rollups (`rollup.py`): a record per
hour, so the cost follows the window, not the events in it. Any other window is one pass over the stream
from the stream id of the earliest event it needs (`Audit.start_at`): the week before (for the arrows),
or the error budget's window when that is longer, less the longest a proposal can wait for its decision,
so a decision in the window still finds its `proposal.created`. Both give the same digest (a test checks).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import orjson

from bot.core.config.models import WorkerConfig
from bot.core.errors import BadRequest, NotFound
from bot.core.models import Mission
from bot.core.runtime import Runtime
from bot.missions.digest import rollup
from bot.missions.digest.events import WEEK, WEEKS, longest_wait, reach
from bot.missions.digest.hours import HOUR, hour_of
from bot.missions.digest.model import Digest, ReasonCount
from bot.missions.digest.promotion import promotions
from bot.missions.digest.tokens import tokens_of
from bot.missions.digest.weeks import WeekPass
from bot.missions.trust import SKEW

RUBBER_STAMP_MIN_APPROVALS = 20


def up_to_now(rt: Runtime) -> datetime:
    """The end of the current hour: a window up to now that the hourly rollups answer (the current hour
    from the fold itself), not a pass over every week of the stream."""
    return hour_of(rt.clock()) + HOUR


def first_needed(worker: WorkerConfig, end: datetime, weeks: int = WEEKS) -> datetime:
    """The earliest event time the digest ending at `end` reads."""
    return end - reach(worker, weeks) - longest_wait(worker) - SKEW


def thread_root(mission: Mission) -> str | None:
    """The root message of the mission's thread: the request's thread, else the status message."""
    return mission.thread_root


def _link(rt: Runtime, mission_id: str) -> str | None:
    """Where a person can open the mission: its thread, by its platform's messenger (console: no URL)."""
    try:
        mission = rt.store.mission(mission_id)
    except NotFound:  # records expire before the audit does
        return None
    root = thread_root(mission)
    if not root:
        return None
    return rt.messengers.permalink(mission.platform, conversation=mission.conversation, message=root)


def compute(
    rt: Runtime, worker_name: str, *, end: datetime, rollups: bool = True, weeks: int = WEEKS
) -> Digest:
    """The digest of the 7 days before `end`, with `weeks` weeks of figures for the trends (the week
    before gives the arrows); `rollups=False` forces the pass over the stream."""
    if not 2 <= weeks <= 52:
        raise BadRequest(f"A digest covers 2 to 52 weeks, not {weeks}.")
    worker = rt.worker(worker_name)
    acc = WeekPass(worker, end, weeks)
    span = reach(worker, weeks)
    hours = rollup.read(rt, worker_name, start=end - span, end=end) if rollups else None
    # The tokens line is a script over the week's mission records: Redis runs it while this process
    # decodes and sums the weeks (at 100,000 missions a week each takes about as long as the other).
    with ThreadPoolExecutor(max_workers=1) as pool:
        tokens = pool.submit(tokens_of, rt, worker_name, start=end - WEEK, end=end)
        if hours is not None:
            records = [(h, orjson.loads(r) if isinstance(r, bytes) else r) for h, r in hours]
            stale = [
                h for h, record in records if record["fp"] != acc.fingerprint and "details" not in record
            ]
            found = rollup.details(rt, worker_name, stale) if stale else {}
            for hour, record in records:
                if hour in found:
                    record["details"] = found[hour]
                acc.merge(hour, record)
        else:
            for event in rt.audit.events(start=rt.audit.start_at(first_needed(worker, end, weeks))):
                if event["worker"] == worker_name:
                    acc.add(event)
        tokens_total = tokens.result()
    acc.finish()
    budget = acc.budget.status()
    stamps = sorted(
        a for a, (ok, no) in acc.by_approver.items() if no == 0 and ok > RUBBER_STAMP_MIN_APPROVALS
    )
    return Digest(
        worker=worker.name,
        display_name=worker.display_name,
        autonomy=rt.control(worker.name).autonomy,
        start=end - WEEK,
        end=end,
        timezone=worker.digest.timezone,
        current=acc.weeks[0],
        previous=acc.weeks[1],
        weeks=acc.weeks[::-1],
        channels=dict(sorted(acc.adoption.channels.items(), key=lambda kv: (-kv[1], kv[0]))),
        approvers=acc.approvers,
        top_reasons=[
            ReasonCount(
                code=c, count=n, example_mission=acc.examples[c], example_link=_link(rt, acc.examples[c])
            )
            for c, n in sorted(acc.reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
        ],
        tokens=tokens_total,
        token_budget=worker.limits.weekly_token_budget,
        error_budget=budget,
        rubber_stamp_approvers=stamps,
        delegated=[(*pair.split(" ", 1), n) for pair, n in acc.delegated.most_common()],
        promotions=promotions(worker, acc.evidence, spent=budget.exceeded),
    )
