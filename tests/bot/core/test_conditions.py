"""Declarative conditions: every pair must hold; numbers compare as numbers;
a slow pattern takes the safe side."""

from __future__ import annotations

from bot.core.conditions import describe, matches


def test_every_pair_must_hold_and_rendered_numbers_compare_as_numbers():
    rule = {"amount": {"lte": 50, "gt": 0}}
    assert matches(rule, {"amount": "40"}) and matches(rule, {"amount": 50.0})
    assert not matches(rule, {"amount": "50.5"}) and not matches(rule, {"amount": 0})
    assert matches({"amount": {"lte": 50}, "tier": {"eq": "gold"}}, {"amount": 5, "tier": "gold"})
    assert not matches({"amount": {"lte": 50}, "tier": {"eq": "gold"}}, {"amount": 5, "tier": "silver"})


def test_a_missing_argument_or_incomparable_types_never_satisfy_an_ordering():
    assert not matches({"amount": {"lte": 50}}, {})
    assert not matches({"amount": {"lte": 50}}, {"amount": "forty"})
    assert not matches({"amount": {"ne": 5}}, {})  # absent is not "different"


def test_membership_accepts_a_list_or_one_value_and_numbers_as_text():
    assert matches({"app": {"in": ["jira", "wiki"]}}, {"app": "wiki"})
    assert matches({"days": {"in": [7, 30]}}, {"days": "30"})
    assert matches({"app": {"not_in": "prod-db"}}, {"app": "wiki"})
    assert not matches({"app": {"not_in": ["prod-db"]}}, {"app": "prod-db"})


def test_a_pattern_matches_anywhere_and_a_missing_value_never_does():
    assert matches({"reason": {"matches": r"ESC-\d+"}}, {"reason": "for ESC-1042: refund"})
    assert not matches({"reason": {"matches": r"ESC-\d+"}}, {"reason": None})


def test_a_pattern_that_runs_out_of_time_counts_as_the_callers_safe_side():
    slow = {"reason": {"matches": r"a.*a.*a.*a.*a.*a.*!"}}  # allowed at load, slow on a long "aaa…"
    text = {"reason": "a" * 4000}
    assert matches(slow, text, on_timeout=True) is True  # a forbid rule holds
    assert matches(slow, text, on_timeout=False) is False  # an auto_approve rule does not


def test_describe_reads_like_the_rule():
    rule = {"amount": {"lte": 50, "gt": 1}, "reason": {"matches": "x"}}
    assert describe(rule) == "amount ≤ 50 and amount > 1 and reason matches x"
