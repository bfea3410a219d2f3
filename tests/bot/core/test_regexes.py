"""Configured regular expressions: ReDoS-prone shapes are refused at load (with file and line),
searches are timed."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.config import load_workers
from bot.core.errors import ConfigError
from bot.core.regexes import PatternTimeout, check_pattern, search
from tests.bot.core.config.test_loader import broken, line_of

NESTED = [r"^(a+)+$", r"(a*)*", r"(?:a{1,3})+b", r"^(\w+\s?)*$", r"(x+x+)+y", r"((ab)*c)+", r"(?>(a+)+!)"]
OVERLAPPING = [r"^(a|a)*$", r"(ab|a[bc]d)*", r"(?:cat|ca.)+"]
FINE = [
    r"\bESC-(?P<ticket_id>\d+)\b",
    r"(a{3})+",
    r"(a|b)*",
    r"[(a+)+]",
    r"(ab|cd)+",
    r"a.*b",
    r"access for (?P<username>[a-z0-9._-]+) to (?P<app>[a-z0-9-]+)(?: for (?P<days>\d+) days?)?",
]


@pytest.mark.parametrize("pattern", NESTED + OVERLAPPING)
def test_exponential_shapes_are_refused(pattern):
    with pytest.raises(ValueError, match="exponential time"):
        check_pattern(pattern)


@pytest.mark.parametrize("pattern", FINE)
def test_ordinary_patterns_pass(pattern):
    assert check_pattern(pattern) == pattern


@pytest.mark.filterwarnings("ignore::FutureWarning")  # "possible nested set": a fair warning
@given(st.text(alphabet="ab()[]|*+?{}\\.,13^$-", max_size=24))
def test_the_check_never_crashes_on_any_text(pattern):
    try:
        check_pattern(pattern)
    except ValueError as exc:  # refused or not a regex: both are a clear config error
        assert "regular expression" in str(exc)
    else:
        with contextlib.suppress(PatternTimeout):  # what passes also runs on the timed engine
            search(pattern, "ab" * 50 + "!")


def test_a_nested_match_pattern_is_refused_with_file_and_line(tmp_path):
    old = r"match: ['\bESC-(?P<ticket_id>\d+)\b']"
    directory = broken(tmp_path, old, r"match: ['\bESC-(?P<ticket_id>\d+)\b', '^(a+)+$']")
    with pytest.raises(ConfigError) as err:
        load_workers(directory)
    issue = err.value.issues[0]
    text = (directory / "support-triage.yml").read_text()
    assert issue.field == "missions.triage_escalation.match.1"
    assert issue.line == line_of(text, "^(a+)+$") and "exponential time" in issue.message


def test_a_nested_matches_condition_is_refused_with_file_and_line(tmp_path):
    directory = broken(
        tmp_path,
        "forbid: {amount: {gt: 500}}",
        "forbid:\n      amount: {gt: 500}\n      reason: {matches: '^(a|a)*$'}",
    )
    with pytest.raises(ConfigError) as err:
        load_workers(directory)
    issue = err.value.issues[0]
    text = (directory / "support-triage.yml").read_text()
    assert issue.field == "tools.helpdesk.issue_credit.forbid.reason"
    assert issue.line == line_of(text, "reason: {matches:") and "exponential time" in issue.message


def test_search_has_re_semantics_and_a_slow_search_raises_instead_of_hanging():
    found = search(r"\bESC-(?P<ticket_id>\d+)\b", "about ESC-1042 today")
    assert found is not None and found.groupdict() == {"ticket_id": "1042"}
    assert search(r"^ESC", "not ESC-1") is None
    with pytest.raises(PatternTimeout, match="took longer than 0.05 s"):
        search(r"a.*a.*a.*a.*a.*a.*!", "a" * 4000, timeout=0.05)


def test_a_pattern_that_does_not_compile_is_refused_saying_why():
    with pytest.raises(ValueError, match="bad regular expression"):
        check_pattern("(unclosed")
