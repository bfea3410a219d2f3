"""The digest as data: the rates and their definitions (the docstring of bot/missions/digest/model.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.missions.digest.model import Digest, ErrorBudgetStatus, Promotion, WeekStats, percentile, ratio


def test_nearest_rank_percentiles():
    assert percentile([], 0.5) is None
    assert percentile([5], 0.9) == 5
    assert percentile([1, 2, 3, 4], 0.5) == 2 and percentile([1, 2, 3, 4], 0.9) == 4


def test_rates_follow_their_definitions_and_are_none_without_a_denominator():
    week = WeekStats(approved=6, rejected=2, auto_approved=4, undone=1, waited_for_human=8, escalated=2)
    assert week.decided == 8 and week.acceptance_rate == 6 / 8
    assert week.override_rate == (2 + 1) / (8 + 4)  # rejected + undone over every decided action
    assert week.escalation_rate == 2 / 8
    empty = WeekStats()
    assert empty.acceptance_rate is None and empty.override_rate is None and empty.shadow_agreement is None
    assert empty.p50_seconds is None and ratio(1, 0) is None
    assert WeekStats(shadow_approved=3, shadow_rejected=1).shadow_agreement == 0.75
    # an approval with changes overrides the worker; a shadow one is half a disagreement
    assert WeekStats(approved=4, edited=1, rejected=1).override_rate == (1 + 1) / 5
    assert WeekStats(shadow_approved=3, shadow_edited=2, shadow_rejected=1).shadow_agreement == 0.5
    assert WeekStats(decision_seconds=[30, 10, 20, 600]).p90_seconds == 600


def test_the_error_budget_is_exceeded_only_above_its_limit_with_decisions():
    at_limit = ErrorBudgetStatus(rejected=2, decided=10, limit=0.2, window_days=7)
    assert not at_limit.exceeded and at_limit.describe() == (
        "2 of 10 decisions rejected in the last 7 days (20%, budget 20%)"
    )
    assert ErrorBudgetStatus(rejected=3, decided=10, limit=0.2, window_days=7).exceeded
    assert not ErrorBudgetStatus(rejected=0, decided=0, limit=0.0, window_days=7).exceeded


def test_a_promotion_prints_the_exact_yaml_rule_to_paste():
    promo = Promotion(
        tool="helpdesk.issue_credit", decisions=20, approved=19, condition={"amount": {"lte": 250.0}}
    )
    assert promo.rule == "auto_approve: {amount: {lte: 250}}" and promo.acceptance == 0.95


def test_the_token_budget_used_is_a_share_of_the_budget():
    start = datetime(2026, 3, 2, tzinfo=UTC)
    budget = ErrorBudgetStatus(rejected=0, decided=0, limit=0.2, window_days=7)
    common = dict(worker="w", display_name="W", autonomy="assisted", start=start, end=start, timezone="UTC")
    digest = Digest(
        **common,
        current=WeekStats(),
        previous=WeekStats(),
        error_budget=budget,
        tokens=500,
        token_budget=2000,
    )
    assert digest.budget_used == 0.25
    assert (
        Digest(**common, current=WeekStats(), previous=WeekStats(), error_budget=budget).budget_used is None
    )
