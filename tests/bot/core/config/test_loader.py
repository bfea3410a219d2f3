"""Broken configs are reported with file, field and line; `missionbot check` exits non-zero."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from bot.core.config import load_workers
from bot.core.errors import ConfigError
from tests.bot.core.config.shipped import GOOD, ROOT, broken, line_of


@pytest.mark.parametrize(
    ("old", "new", "field", "needle", "message"),
    [
        (
            "helpdesk.reverse_credit:\n    tier: execute",
            "helpdesk.reverse_credit:\n    tier: exek",
            "tools.helpdesk.reverse_credit.tier",
            "tier: exek",
            "'read', 'write'",
        ),
        (
            "{amount: {lte: 50}}",
            "{amount: {below: 50}}",
            "tools.helpdesk.issue_credit.auto_approve.amount.below",
            "auto_approve: {amount: {below",
            "'eq'",
        ),
        (
            "approvers: [U0OWNER1, U0OWNER2]",
            "approvers: []",
            "escalation.approvers",
            "approvers: []",
            "at least 1",
        ),
        ("autonomy: assisted", "autonomy: assisted\ncolour: blue", "colour", "colour: blue", "Extra inputs"),
        (
            "autonomy: assisted",
            "autonomy: assisted\nmodel_timeout_seconds: 0",
            "model_timeout_seconds",
            "model_timeout_seconds: 0",
            "greater than 0",
        ),
        (
            "autonomy: assisted",
            "autonomy: assisted\nmodel_max_retries: -1",
            "model_max_retries",
            "model_max_retries: -1",
            "greater than or equal to 0",
        ),
        (
            "expire_after_minutes: 1440",
            "expire_after_minutes: 1440\n  on_expiry: reject",
            "escalation.on_expiry",
            "on_expiry: reject",
            "'fail', 'escalate_to_owner' or 'keep_pending'",
        ),
    ],
)
def test_each_error_names_file_field_and_line(tmp_path, old, new, field, needle, message):
    directory = broken(tmp_path, old, new)
    with pytest.raises(ConfigError) as err:
        load_workers(directory)
    text = (directory / "support-triage.yml").read_text()
    issue = next(i for i in err.value.issues if i.field == field)
    assert issue.file.endswith("support-triage.yml")
    assert issue.line == line_of(text, needle)
    assert message in issue.message


def test_duplicate_worker_names_are_an_error(tmp_path):
    shutil.copy(ROOT / "worker_configs" / "support-triage.yml", tmp_path / "a.yml")
    shutil.copy(ROOT / "worker_configs" / "support-triage.yml", tmp_path / "b.yml")
    with pytest.raises(ConfigError) as err:
        load_workers(tmp_path)
    name_line = line_of(GOOD, "name: support-triage")
    assert f"b.yml:{name_line}: name: duplicate worker name 'support-triage'" in str(err.value)


def test_yaml_syntax_error_has_a_line(tmp_path):
    (tmp_path / "x.yml").write_text("name: x\ntools: [unclosed\n")
    with pytest.raises(ConfigError, match=r"x\.yml:\d+: -: not valid YAML"):
        load_workers(tmp_path)


def test_check_command_exits_non_zero_with_the_line(tmp_path):
    directory = broken(
        tmp_path, "helpdesk.get_ticket:\n    tier: read", "helpdesk.get_ticket:\n    tier: reed"
    )
    bad = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--config-dir", str(directory)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 1
    expected_line = line_of((directory / "support-triage.yml").read_text(), "tier: reed")
    assert f"support-triage.yml:{expected_line}: tools.helpdesk.get_ticket.tier" in bad.stderr
    good = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check"], capture_output=True, text=True, cwd=ROOT
    )
    assert good.returncode == 0 and "ok  support-triage" in good.stdout


def test_check_names_the_line_of_an_unknown_on_expiry(tmp_path):
    directory = broken(
        tmp_path, "expire_after_minutes: 1440", "expire_after_minutes: 1440\n  on_expiry: deny"
    )
    bad = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--config-dir", str(directory)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    expected_line = line_of((directory / "support-triage.yml").read_text(), "on_expiry: deny")
    assert bad.returncode == 1
    assert f"support-triage.yml:{expected_line}: escalation.on_expiry" in bad.stderr
