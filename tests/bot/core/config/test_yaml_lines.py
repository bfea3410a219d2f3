"""YAML bombs, recursive aliases, deep nesting and huge files are refused quickly, with file and line."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.core.config import load_workers, yaml_lines
from bot.core.config.yaml_lines import MAX_BYTES
from bot.core.errors import ConfigError
from tests.bot.core.config.test_loader import GOOD, ROOT, line_of


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def merge_bomb(levels: int = 8) -> str:
    """The same blow-up through merge keys, which PyYAML expands while constructing."""
    lines = ["m0: &m0 {x: 1}"]
    for i in range(1, levels + 1):
        lines.append(f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * 6) + "]}")
    return "\n".join(lines) + "\n"


def with_prefix(tmp_path: Path, prefix: str) -> tuple[Path, str]:
    text = prefix + GOOD
    (tmp_path / "support-triage.yml").write_text(text)
    return tmp_path, text


def refused(directory: Path) -> tuple[str, int | None]:
    started = time.monotonic()
    with pytest.raises(ConfigError) as err:
        load_workers(directory)
    # A safety bound, not a benchmark: unbounded takes minutes; loose, so a loaded machine does not trip it.
    assert time.monotonic() - started < 20
    issue = err.value.issues[0]
    assert issue.file.endswith("support-triage.yml")
    return issue.message, issue.line


def test_billion_laughs_is_refused_at_the_anchor_that_explodes(tmp_path):
    directory, text = with_prefix(
        tmp_path, "x-bomb:\n" + "".join(f"  {line}\n" for line in billion_laughs(5).splitlines())
    )
    message, line = refused(directory)
    assert "expands to more than 50,000 values" in message
    assert line == line_of(text, "a4: &a4")  # 111,111 values: the first level past the limit


def test_more_aliases_than_the_limit_are_refused_with_the_line(tmp_path):
    # billion_laughs(9) has 90 aliases: refused on the 51st, long before anything is expanded.
    directory, text = with_prefix(
        tmp_path, "x-bomb:\n" + "".join(f"  {line}\n" for line in billion_laughs(9).splitlines())
    )
    message, line = refused(directory)
    assert "more than 50 aliases" in message and line == line_of(text, "a6: &a6")


def test_merge_key_bomb_is_refused(tmp_path):
    directory, _ = with_prefix(
        tmp_path, "x-merge:\n" + "".join(f"  {line}\n" for line in merge_bomb().splitlines())
    )
    message, _ = refused(directory)
    assert "expands to more than" in message


def test_recursive_alias_and_deep_nesting_are_refused(tmp_path):
    directory, text = with_prefix(tmp_path, "x-loop: &loop [1, *loop]\n")
    message, line = refused(directory)
    assert "recursive alias" in message and line == line_of(text, "x-loop")
    directory, text = with_prefix(tmp_path, "x-deep: " + "[" * 5000 + "]" * 5000 + "\n")
    message, line = refused(directory)
    assert "nested deeper than 64 levels" in message and line == 1


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    directory, _ = with_prefix(tmp_path, "# " + "x" * MAX_BYTES + "\n")
    message, _ = refused(directory)
    assert "larger than 256 KiB" in message


def test_a_few_plain_aliases_still_work(tmp_path):
    shared = "approvers: [U0OWNER1, U0OWNER2]"
    text = GOOD.replace(shared, "approvers: &owners [U0OWNER1, U0OWNER2]").replace(
        "backup: [U0LEAD]", "backup: *owners"
    )
    (tmp_path / "support-triage.yml").write_text(text)
    worker = load_workers(tmp_path)["support-triage"]
    assert worker.escalation.backup == ["U0OWNER1", "U0OWNER2"]


def test_check_command_refuses_a_bomb_quickly_with_file_and_line(tmp_path):
    directory, text = with_prefix(
        tmp_path, "x-bomb:\n" + "".join(f"  {line}\n" for line in billion_laughs(5).splitlines())
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--config-dir", str(directory)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    assert f"support-triage.yml:{line_of(text, 'a4: &a4')}: -: refused: expands to more than" in result.stderr
    assert elapsed < 30  # includes interpreter start-up on a loaded machine; unbounded never returns


def test_line_of_finds_the_deepest_existing_node_of_an_error_location():
    text = "name: w\ntools:\n  a.b:\n    tier: read\nmissions:\n  - one\n  - two\n"
    root, data = yaml_lines.load(text)
    assert data["tools"]["a.b"]["tier"] == "read"
    assert yaml_lines.line_of(root, ("tools", "a.b", "tier")) == 4
    assert yaml_lines.line_of(root, ("missions", 1)) == 7
    assert yaml_lines.line_of(root, ("tools", "a.b", "forbid", "amount")) == 3  # the nearest line that exists
    assert yaml_lines.line_of(root, ()) == 1 and yaml_lines.line_of(None, ("x",)) is None
    assert yaml_lines.load("") == (None, None)
