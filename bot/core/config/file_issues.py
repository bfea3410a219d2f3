"""A config file read within the YAML limits, and its problems located: file, dotted field and line.

`read_yaml` refuses what `yaml_lines` refuses and turns a YAML error into a ConfigError with its line;
`issue_at` maps an error location (('tools', 'x', 'tier')) to a ConfigIssue on the line it is about.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bot.core.config.yaml_lines import MAX_BYTES, YamlLimitError, line_of, load
from bot.core.errors import ConfigError, ConfigIssue

Loc = tuple[str | int, ...]


def read_yaml(path: Path) -> tuple[yaml.Node | None, Any]:
    """A config file's node tree (for lines) and data, within the YAML limits;
    ConfigError with file and line."""
    if path.stat().st_size > MAX_BYTES:  # before reading it: a huge file is refused, not loaded
        raise ConfigError(
            [
                ConfigIssue(
                    file=str(path),
                    line=None,
                    field="-",
                    message=f"refused: larger than {MAX_BYTES // 1024} KiB",
                )
            ]
        )
    try:
        return load(path.read_text())
    except YamlLimitError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(
            [ConfigIssue(file=str(path), line=line, field="-", message=f"refused: {exc.problem}")]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ConfigError(
            [ConfigIssue(file=str(path), line=line, field="-", message=f"not valid YAML: {exc}")]
        ) from None


def clean_loc(loc: tuple[Any, ...]) -> Loc:
    # pydantic adds union tags and '[key]' markers that are not in the YAML.
    return tuple(
        p
        for p in loc
        if p not in {"[key]", "tool", "observe", "propose", "builtin", "stdio", "streamable_http"}
        or isinstance(p, int)
    )


def issue_at(path: Path, root: yaml.Node | None, loc: Loc, message: str) -> ConfigIssue:
    field = ".".join(str(p) for p in loc) or "-"
    return ConfigIssue(file=str(path), line=line_of(root, loc), field=field, message=message)


M = TypeVar("M", bound=BaseModel)


def read_model(path: Path, model: type[M]) -> tuple[yaml.Node | None, M]:
    """A side file (`_people.yml`, `_groups.yml`) validated as `model` (an empty file is `{}`), with its
    node tree for the lines of later checks."""
    root, data = read_yaml(path)
    try:
        return root, model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ConfigError(
            [issue_at(path, root, clean_loc(e["loc"]), e["msg"]) for e in exc.errors()]
        ) from None
