"""`_groups.yml` and the groups workers name: unknown or empty groups are reported with file and line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.core.config import load_workers
from bot.core.config.group_refs import load_groups
from bot.core.errors import ConfigError
from tests.bot.core.config.shipped import ROOT, broken, line_of

GROUPS = """groups:
  support-leads:
    slack: [U0ALICE]
    teams_aad: [0e3f6a52-6c1b-4c8e-9d3e-7a1b2c3d4e51]
    teams_mri: ["29:1alice"]
  finance: {slack_usergroup: S0FINANCE}
  hollow: {}
"""
APPROVERS = "approvers: [U0OWNER1, U0OWNER2]"
CREDIT = "    undo: helpdesk.reverse_credit"


def _issues(directory) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_workers(directory)
    return [f"{i.file.rsplit('/', 1)[-1]}:{i.line}: {i.field}: {i.message}" for i in err.value.issues]


def test_known_groups_load_and_name_every_platform(tmp_path):
    directory = broken(tmp_path, APPROVERS, "approvers: ['@support-leads', S0ANYSLACK]")
    (directory / "_groups.yml").write_text(GROUPS.replace("  hollow: {}\n", ""))
    assert load_workers(directory)["support-triage"].escalation.approvers[0] == "@support-leads"
    assert load_groups(directory)["support-leads"].accounts[-1] == "29:1alice"


@pytest.mark.parametrize(
    ("old", "new", "needle", "field", "message"),
    [
        (APPROVERS, "approvers: ['@support-leeds']", "approvers:", "escalation.approvers.0", "unknown group"),
        (APPROVERS, "approvers: [U0OWNER1, '@hollow']", "approvers:", "escalation.approvers.1", "is empty"),
        (
            "channels: [C0SUPPORT]",
            "channels: [C0SUPPORT]\nrequesters: ['@nobody']",
            "requesters:",
            "requesters.0",
            "unknown",
        ),
        (
            CREDIT,
            f"{CREDIT}\n    approvals_required: 2\n    from_groups: [finance, payroll]",
            "from_groups",
            "tools.helpdesk.issue_credit.from_groups.1",
            "unknown group 'payroll'",
        ),
        (
            CREDIT,
            f"{CREDIT}\n    approvals_required: 3\n    from_groups: [finance, support-leads]",
            "from_groups",
            "tools.helpdesk.issue_credit.from_groups",
            "one approval from each group",
        ),
    ],
)
def test_unknown_and_empty_groups_are_reported_with_file_and_line(tmp_path, old, new, needle, field, message):
    directory = broken(tmp_path, old, new)
    (directory / "_groups.yml").write_text(GROUPS)
    line = line_of((directory / "support-triage.yml").read_text(), needle)
    [issue] = _issues(directory)
    assert issue.startswith(f"support-triage.yml:{line}: {field}: ") and message in issue


def test_a_broken_groups_file_names_its_line(tmp_path):
    directory = broken(tmp_path, APPROVERS, APPROVERS)
    (directory / "_groups.yml").write_text(GROUPS.replace('"29:1alice"', '"1alice"'))
    [issue] = _issues(directory)
    assert issue.startswith(f"_groups.yml:{line_of(GROUPS, '29:1alice')}: groups.support-leads.teams_mri")


def test_check_command_reports_an_unknown_group(tmp_path):
    directory = broken(tmp_path, APPROVERS, "approvers: ['@nobody']")
    bad = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--config-dir", str(directory)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    line = line_of((directory / "support-triage.yml").read_text(), "@nobody")
    assert bad.returncode == 1 and f"support-triage.yml:{line}: escalation.approvers.0" in bad.stderr
    assert "unknown group 'nobody'" in bad.stderr
