"""Reading a config file within the limits, and locating its problems on their lines."""

from __future__ import annotations

import pytest

from bot.core.config.file_issues import clean_loc, issue_at, read_yaml
from bot.core.config.yaml_lines import MAX_BYTES
from bot.core.errors import ConfigError


def test_a_yaml_syntax_error_carries_its_line(tmp_path):
    path = tmp_path / "x.yml"
    path.write_text("name: x\ntools: [unclosed\n")
    with pytest.raises(ConfigError) as err:
        read_yaml(path)
    [issue] = err.value.issues
    assert (issue.file, issue.field) == (str(path), "-") and issue.line is not None
    assert issue.message.startswith("not valid YAML")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.yml"
    path.write_text("#" * (MAX_BYTES + 1))
    with pytest.raises(ConfigError, match="refused: larger than 256 KiB"):
        read_yaml(path)


def test_an_issue_is_on_the_line_of_its_field_without_pydantic_markers(tmp_path):
    path = tmp_path / "w.yml"
    path.write_text("name: w\ntools:\n  a.b: {tier: reed}\n")
    root, _ = read_yaml(path)
    loc = clean_loc(("tools", "a.b", "[key]", "tier"))
    issue = issue_at(path, root, loc, "bad tier")
    assert (issue.field, issue.line, issue.message) == ("tools.a.b.tier", 3, "bad tier")
