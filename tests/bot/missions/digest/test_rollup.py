"""The digest from the hourly rollups agrees with the pass over the stream: on a generated trail (folded as
the scheduler folds it, a bit at a time), and on the hand-computed week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot import app
from bot.missions.digest import rollup
from bot.missions.digest.compute import compute
from tests.bot.missions.digest.test_compute import END as WEEK_END
from tests.bot.missions.digest.test_compute import week  # noqa: F401 - the hand-computed week fixture
from tests.support.audit_week import WORKER, generate
from tests.support.clock import Clock

END = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def trail(settings, redis):
    """Three weeks of 400 missions a week, written straight into the stream; a clock before its end."""
    generate(redis, settings.key_prefix, start=END - timedelta(days=21), end=END, per_week=400, seed=7)
    clock = Clock(END - timedelta(days=5))
    rt = app.create_runtime(settings=settings, redis=redis, clock=clock)
    worker = rt.workers[WORKER]  # 86% approved: a rule is suggested at 80%
    promotion = worker.promotion.model_copy(update={"min_acceptance": 0.8})
    rt.workers[WORKER] = worker.model_copy(update={"promotion": promotion})
    yield rt, clock
    app.install(None)


def both(rt, end):
    return compute(rt, WORKER, end=end), compute(rt, WORKER, end=end, rollups=False)


def test_rollups_folded_a_bit_at_a_time_agree_with_the_pass(trail):
    rt, clock = trail
    assert rollup.fold(rt) is not None  # the first fold, five days before the end: most hours sealed
    for step in (timedelta(hours=30), timedelta(minutes=15), timedelta(days=3)):
        clock.now += step
        rollup.fold(rt)  # as the scheduler does every 15 minutes
    clock.now = END + timedelta(minutes=10)
    fast, full = both(rt, END)
    assert rollup.read(rt, WORKER, start=END - timedelta(days=14), end=END) is not None  # the fast path
    assert fast == full
    c = fast.current
    assert c.missions > 390 and c.approved and c.rejected and c.auto_approved and c.shadow_approved
    assert c.undone and c.escalated and fast.top_reasons and fast.tokens and fast.promotions
    assert (
        c.edited
        and c.shadow_edited
        and c.override_rate == (c.rejected + c.edited + c.undone) / (c.decided + c.auto_approved)
    )


def test_the_hours_not_sealed_yet_come_from_the_fold_itself(trail):
    rt, clock = trail
    clock.now = END + timedelta(minutes=2)  # the last hour is not sealed: it is read, not stored
    fast, full = both(rt, END)
    assert fast == full and fast.current.missions > 390
    for end in (END - timedelta(hours=5), END - timedelta(days=2, hours=3)):
        assert both(rt, end)[0] == both(rt, end)[1]


def test_a_window_not_on_the_hour_is_a_pass_over_the_stream(trail):
    rt, clock = trail
    clock.now = END + timedelta(hours=1)
    end = END - timedelta(minutes=17)
    assert rollup.read(rt, WORKER, start=end - timedelta(days=14), end=end) is None
    assert compute(rt, WORKER, end=end).current.missions > 390


def test_changed_working_hours_apply_to_rolled_up_decisions(trail):
    rt, clock = trail
    clock.now = END + timedelta(minutes=10)
    rollup.fold(rt)
    worker = rt.workers[WORKER]
    rt.workers[WORKER] = worker.model_copy(
        update={"escalation": worker.escalation.model_copy(update={"working_hours": None})}
    )
    fast, full = both(rt, END)
    assert fast == full


def test_the_hand_computed_week_from_the_rollups(week):  # noqa: F811
    full = compute(week, "support-triage", end=WEEK_END, rollups=False)
    week.clock.now = WEEK_END + timedelta(minutes=10)
    assert compute(week, "support-triage", end=WEEK_END) == full
    assert rollup.read(week, "support-triage", start=WEEK_END - timedelta(days=14), end=WEEK_END)


def test_a_changed_response_target_recounts_the_late_decisions_from_the_stored_details(trail):
    rt, clock = trail
    clock.now = END + timedelta(minutes=10)
    rollup.fold(rt)
    before = compute(rt, WORKER, end=END).current.sla_breaches
    worker = rt.workers[WORKER]
    rt.workers[WORKER] = worker.model_copy(
        update={"escalation": worker.escalation.model_copy(update={"response_target_minutes": 5})}
    )
    fast, full = both(rt, END)
    assert fast == full and fast.current.sla_breaches > before
