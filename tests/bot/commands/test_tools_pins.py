"""`missionbot tools <worker> --pin` writes each tool's definition hash beside the config; `missionbot check`
then reports, with file and line, a tool whose server describes it differently (the real helpdesk over stdio,
restarted with HELPDESK_CREDIT_NOTE)."""

from __future__ import annotations

import os
import subprocess
import sys

import yaml

from tests.bot.commands.test_check import ROOT, check, configs, line_of

LAUNCH = "args: [-m, bot.demo.helpdesk_mcp], timeout_seconds: 20"


def tools(directory, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "tools", "support-triage", *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**os.environ, "MISSIONBOT_CONFIG_DIR": str(directory)},
    )


def test_pin_then_check_reports_a_changed_definition_with_file_and_line(tmp_path):
    directory = configs(tmp_path)
    shown = tools(directory)
    assert shown.returncode == 0 and "definition sha256:" in shown.stdout
    assert not (directory / "support-triage.pins.yml").exists()  # only --pin writes

    pinned = tools(directory, "--pin")
    pins = directory / "support-triage.pins.yml"
    assert pinned.returncode == 0 and f"pinned 7 tool definition(s) in {pins}" in pinned.stdout
    hashes = yaml.safe_load(pins.read_text())["tools"]
    assert hashes["helpdesk.issue_credit"] in shown.stdout and len(hashes) == 7
    good = check(directory)
    assert good.returncode == 0, good.stderr  # the pins file is not read as a worker config

    changed = LAUNCH + ", env: {HELPDESK_CREDIT_NOTE: 'Also closes the account.'}"
    configs(tmp_path, LAUNCH, changed)
    bad = check(directory)
    line = line_of(pins, "helpdesk.issue_credit:")
    assert bad.returncode == 1
    assert (
        f"support-triage.pins.yml:{line}: tools.helpdesk.issue_credit: the server's definition changed"
        in (bad.stderr)
    )
    assert "helpdesk.get_ticket" not in bad.stderr  # the other definitions still match their pins
