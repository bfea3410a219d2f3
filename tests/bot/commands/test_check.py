"""`missionbot check` asks each MCP server for its tools: a misspelt tool name is a file:line error."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = (ROOT / "worker_configs" / "support-triage.yml").read_text()
assert "helpdesk: {transport: stdio" in SHIPPED


def check(directory: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--config-dir", str(directory), *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def configs(tmp_path: Path, old: str = "", new: str = "") -> Path:
    assert old in SHIPPED
    (tmp_path / "support-triage.yml").write_text(SHIPPED.replace(old, new, 1))
    return tmp_path


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_a_tool_the_mcp_server_does_not_offer_is_reported_with_file_field_and_line(tmp_path):
    directory = configs(
        tmp_path, "helpdesk.delete_account: {tier: forbidden}", "helpdesk.delete_acount: {tier: forbidden}"
    )
    bad = check(directory)
    line = line_of(directory / "support-triage.yml", "helpdesk.delete_acount")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert (
        f"support-triage.yml:{line}: tools.helpdesk.delete_acount: unknown tool 'helpdesk.delete_acount'"
        in bad.stderr
    )
    assert "helpdesk.delete_account" in bad.stderr  # what the server does offer
    offline = check(directory, "--offline")
    assert offline.returncode == 0 and "offline: tool names of helpdesk (MCP) not checked" in offline.stdout


def test_a_rule_on_an_argument_the_server_schema_lacks_is_reported(tmp_path):
    directory = configs(tmp_path, "auto_approve: {amount: {lte: 50}}", "auto_approve: {amont: {lte: 50}}")
    bad = check(directory)
    assert bad.returncode == 1
    line = line_of(directory / "support-triage.yml", "amont")
    assert (
        f":{line}: tools.helpdesk.issue_credit.auto_approve.amont: helpdesk.issue_credit has no argument"
        in bad.stderr
    )


def test_the_shipped_config_passes_after_listing_the_servers_tools(tmp_path):
    good = check(configs(tmp_path))
    assert good.returncode == 0, good.stderr
    assert (
        "ok  support-triage" in good.stdout
        and "helpdesk (stdio) offers 7 tools; the 7 listed exist" in good.stdout
    )


def test_an_unreachable_server_fails_the_check_unless_offline(tmp_path):
    directory = configs(
        tmp_path,
        "command: python, args: [-m, bot.demo.helpdesk_mcp], timeout_seconds: 20",
        "command: /nonexistent/helpdesk-mcp, timeout_seconds: 5",
    )
    bad = check(directory)
    line = line_of(directory / "support-triage.yml", "/nonexistent/helpdesk-mcp")
    assert bad.returncode == 1 and f":{line}: integrations.helpdesk: cannot list its tools" in bad.stderr
    assert check(directory, "--offline").returncode == 0


AGENT = (ROOT / "worker_configs" / "support-agent.yml").read_text()


def check_env(directory: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    keep = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--offline", "--config-dir", str(directory)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        env={**keep, **env},
    )


def test_an_llm_worker_without_its_provider_key_is_a_warning_not_an_error(tmp_path):
    directory = tmp_path / "worker_configs"
    directory.mkdir()
    (directory / "support-agent.yml").write_text(AGENT)
    shutil.copytree(ROOT / "knowledge", tmp_path / "knowledge")
    without = check_env(directory, {})
    line = line_of(directory / "support-agent.yml", "model: openai:")
    assert without.returncode == 0, without.stderr
    assert "ok  support-agent" in without.stdout
    assert f"warn {directory}/support-agent.yml:{line}: model: OPENAI_API_KEY is not set" in without.stderr
    with_key = check_env(directory, {"OPENAI_API_KEY": "sk-test"})
    assert with_key.returncode == 0 and "warn" not in with_key.stderr


def test_a_knowledge_path_that_exists_nowhere_is_reported_with_file_and_line(tmp_path):
    """A config dir copied without its knowledge: the error says where it looked;
    a copy inside it fixes it."""
    directory = tmp_path / "copied_configs"
    directory.mkdir()
    (directory / "support-agent.yml").write_text(AGENT)
    bad = check_env(directory, {"OPENAI_API_KEY": "sk-test"})
    line = line_of(directory / "support-agent.yml", "knowledge: [{path: knowledge/support/}]")
    assert bad.returncode == 1
    assert (
        f"support-agent.yml:{line}: knowledge.0.path: knowledge path 'knowledge/support/' does not exist "
        f"(looked in {directory}/knowledge/support or {tmp_path}/knowledge/support)" in bad.stderr
    )
    shutil.copytree(ROOT / "knowledge", directory / "knowledge")
    good = check_env(directory, {"OPENAI_API_KEY": "sk-test"})
    assert good.returncode == 0 and "ok  support-agent" in good.stdout, good.stderr


PREVIEW_BY_TOOL = """    preview:
      tool: helpdesk.preview_credit
      args: {account_id: '{{ account_id }}', amount: '{{ amount }}'}
"""


def test_a_dry_run_preview_passes_when_the_tool_declares_dry_run(tmp_path):
    """issue_credit's schema has a boolean `dry_run`: `preview: {dry_run: true}` is accepted."""
    good = check(configs(tmp_path, PREVIEW_BY_TOOL, "    preview:\n      dry_run: true\n"))
    assert good.returncode == 0, good.stderr


def test_a_dry_run_of_a_tool_that_declares_none_is_refused_with_file_and_line(tmp_path):
    directory = configs(
        tmp_path,
        "  helpdesk.reverse_credit:\n    tier: execute\n",
        "  helpdesk.reverse_credit:\n    tier: execute\n    preview: {dry_run: true}\n",
    )
    bad = check(directory)
    line = line_of(directory / "support-triage.yml", "preview: {dry_run: true}")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert (
        f"support-triage.yml:{line}: tools.helpdesk.reverse_credit.preview.dry_run: "
        "helpdesk.reverse_credit declares no boolean `dry_run` input" in bad.stderr
    )


def test_a_dry_run_with_a_tool_of_its_own_is_a_config_error(tmp_path):
    directory = configs(tmp_path, PREVIEW_BY_TOOL, PREVIEW_BY_TOOL + "      dry_run: true\n")
    bad = check(directory, "--offline")
    assert bad.returncode != 0 and "a dry run calls the tool itself" in bad.stderr, bad.stderr
