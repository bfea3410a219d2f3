"""The neutral words every renderer shares: labels, rules in plain words, outcomes and their icons."""

from __future__ import annotations

from bot.core.errors import AlreadyDecided
from bot.core.messages import already_decided, label, outcome, rule_words, status_line, value_text


def test_labels_and_values_read_as_people_write_them():
    assert [label(n) for n in ("account_id", "amount", "api_key", "sla-hours")] == [
        "Account ID",
        "Amount",
        "API key",
        "SLA hours",
    ]
    assert [value_text(v) for v in (40.0, 40.5, 3, "x")] == ["40", "40.5", "3", "x"]


def test_the_gates_shorthand_becomes_plain_words():
    assert rule_words("execute tier needs an approver", tier="execute") == (
        "An approver must say yes before this runs (it acts for real)."
    )
    assert rule_words("write tier needs an approver", tier="write").endswith("(it changes data).")
    assert rule_words("forbid: amount > 900", tier="execute") == (
        "Not allowed: the owner blocks this when amount > 900."
    )
    assert rule_words("auto_approve: amount ≤ 50", tier="execute").startswith("Approved automatically")
    assert "tier" not in rule_words(None, tier="execute")


def test_the_outcome_has_its_own_icon_and_a_rejection_is_never_a_success():
    assert outcome("done", ["executed", "rejected"]) == "resolved"
    assert outcome("done", ["rejected"]) == "rejected"
    assert outcome("done", ["expired"]) == "expired"
    assert outcome("done", ["halted"]) == "halted"
    assert outcome("halted", []) == "halted" and outcome("failed", ["executed"]) == "failed"
    assert outcome("done", []) == "done" and outcome("done", [], refused=True) == "refused"
    assert status_line("Support Triage", "M-1", "rejected") == "✋ Support Triage · mission M-1: Rejected"
    assert status_line("Support Triage", "M-1", "resolved").startswith("✅")
    for state in ("rejected", "expired", "halted", "failed", "cancelled", "refused", "closed"):
        assert not status_line("W", "M-1", state).startswith("✅"), state


def test_already_decided_names_the_person_and_never_the_system_as_one():
    by_owner = AlreadyDecided(status="halted", by="U0MANAGER", at="2026-11-30 10:00 UTC")
    assert (
        already_decided(by_owner) == "Already halted by @U0MANAGER at 2026-11-30 10:00 UTC; nothing changed."
    )
    closed = AlreadyDecided(status="closed (the mission was cancelled)", by="the system", at="t")
    assert already_decided(closed) == "Already closed (the mission was cancelled) at t; nothing changed."


def test_a_refusal_reads_as_words_too():
    assert (
        rule_words("helpdesk.delete_account is forbidden", tier="forbidden")
        == "The owner forbids this action."
    )
    assert rule_words("x is not listed under tools", tier="unknown").startswith("This worker may not use it")
