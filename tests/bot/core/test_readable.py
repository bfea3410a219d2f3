"""A tool result reads as a sentence or a few labelled facts, never JSON or a repr."""

from __future__ import annotations

import json
import logging

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.config.loader import load_worker_file
from bot.core.config.tools import FieldSpec
from bot.core.formatting import Formats
from bot.core.readable import LIMIT, arg_facts, default_summary, describe_args, summarize
from tests.bot.core.config.shipped import ROOT

TRIAGE = load_worker_file(ROOT / "worker_configs" / "support-triage.yml")
CREDIT = {
    "credit_id": "CR-1",
    "account_id": "ACME-7",
    "amount": 40.0,
    "reason": "outage",
    "at": "2026-11-30T15:10:58.123456+00:00",
}


def test_a_declared_summary_reads_as_a_sentence_with_money():
    text = summarize(CREDIT, tool="helpdesk.issue_credit", worker=TRIAGE)
    assert text == "Credit CR-1: $40 to ACME-7"


def test_without_a_summary_a_few_labelled_facts_and_readable_times():
    text = default_summary(
        {"at": CREDIT["at"], "note": "ok", "items": [1, 2, 3, 4], "meta": {"a": 1}}, Formats()
    )
    assert text == "At: Nov 30, 2026, 3:10 PM UTC · Note: ok · Items: 1; 2; 3 and 1 more · Meta: 1 field"


def test_a_summary_that_fails_at_run_time_falls_back_to_the_default_and_logs(caplog):
    with caplog.at_level(logging.WARNING):
        text = summarize({"amount": 40.0}, tool="helpdesk.issue_credit", worker=TRIAGE)
    assert text == "Amount: $40"
    assert "summary template of helpdesk.issue_credit failed" in caplog.text


def test_arguments_read_as_labelled_facts():
    args = {"account_id": "ACME-7", "amount": 40.0, "reason": "outage"}
    assert describe_args(args, tool="helpdesk.issue_credit", worker=TRIAGE) == (
        "Account ID: ACME-7 · Amount: $40 · Reason: outage"
    )


_PLAIN = st.text(st.characters(blacklist_characters="{}[]'\"", blacklist_categories=("Cs",)), max_size=200)
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _PLAIN,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(_PLAIN, inner, max_size=8),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(_JSONISH)
def test_any_json_result_renders_to_bounded_plain_text(result):
    text = summarize(result, tool="helpdesk.get_ticket", worker=TRIAGE)
    assert len(text) <= LIMIT
    assert "\n" not in text
    assert not any(c in text for c in "{}[]'\""), text  # no dict, list or repr dump
    if isinstance(result, dict) and result:
        assert text != json.dumps(result)


def test_arguments_take_the_configs_labels_and_the_readers_locale():
    policy = TRIAGE.tools["helpdesk.issue_credit"]
    labelled = policy.model_copy(
        update={"fields": {"amount": FieldSpec(format="currency", label="Credit (before tax)")}}
    )
    worker = TRIAGE.model_copy(update={"tools": {**TRIAGE.tools, "helpdesk.issue_credit": labelled}})
    args = {"account_id": "ACME-7", "amount": 1234.5, "nested": {"a": 1}}
    facts = arg_facts(args, tool="helpdesk.issue_credit", worker=worker)
    assert facts == [("Account ID", "ACME-7"), ("Credit (before tax)", "$1,234.50"), ("Nested", "{'a': 1}")]
    german = arg_facts(
        args, tool="helpdesk.issue_credit", worker=worker, formats=worker.formats.for_reader("de-DE")
    )
    assert german[1] == ("Credit (before tax)", "1.234,50\u00a0$")
    unknown = arg_facts(
        args, tool="helpdesk.issue_credit", worker=worker, formats=worker.formats.for_reader("xx")
    )
    assert unknown == facts  # a locale we have no conventions for: the worker's
