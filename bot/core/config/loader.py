"""Load `worker_configs/*.yml`, `_people.yml` and `_groups.yml`, reporting every problem with file and line.

Reading a file and locating its problems is `file_issues.py`; the rules across fields and files (every
tool, template and knowledge path a worker names resolves) are `cross_checks.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from bot.core.config.cross_checks import cross_field_problems
from bot.core.config.file_issues import Loc, clean_loc, issue_at, read_model, read_yaml
from bot.core.config.group_refs import group_problems, load_groups
from bot.core.config.models import WorkerConfig
from bot.core.config.people import PeopleFile, Person
from bot.core.config.yaml_lines import compose, line_of
from bot.core.errors import ConfigError, ConfigIssue

PEOPLE_FILE = "_people.yml"


def load_workers(directory: Path) -> dict[str, WorkerConfig]:
    """All workers of a directory; raises ConfigError listing every issue of every file."""
    if not directory.is_dir():
        raise ConfigError(
            [ConfigIssue(file=str(directory), line=None, field="-", message="no such directory")]
        )
    workers: dict[str, WorkerConfig] = {}
    seen: dict[str, str] = {}
    issues: list[ConfigIssue] = []
    for path in config_files(directory):
        try:
            worker = load_worker_file(path)
        except ConfigError as err:
            issues.extend(err.issues)
            continue
        if worker.name in seen:
            root = compose(path.read_text())
            issues.append(
                ConfigIssue(
                    file=str(path),
                    line=line_of(root, ("name",)),
                    field="name",
                    message=f"duplicate worker name {worker.name!r} (also in {seen[worker.name]})",
                )
            )
            continue
        seen[worker.name] = str(path)
        workers[worker.name] = worker
    try:
        load_people(directory)  # validated with the workers: `check` and every start report it too
    except ConfigError as err:
        issues.extend(err.issues)
    issues += _group_issues(directory, workers, seen)
    if issues:
        raise ConfigError(issues)
    if not workers:
        raise ConfigError(
            [ConfigIssue(file=str(directory), line=None, field="-", message="no worker configs (*.yml)")]
        )
    return workers


def _group_issues(
    directory: Path, workers: dict[str, WorkerConfig], paths: dict[str, str]
) -> list[ConfigIssue]:
    """`_groups.yml` itself, then every group each worker names (bot/core/config/group_refs.py)."""
    try:
        groups = load_groups(directory)
    except ConfigError as err:
        return list(err.issues)
    issues = []
    for name, worker in workers.items():
        problems = list(group_problems(worker, groups))
        if problems:
            path = Path(paths[name])
            root = compose(path.read_text())
            issues += [issue_at(path, root, loc, msg) for loc, msg in problems]
    return issues


def config_files(directory: Path) -> list[Path]:
    """The worker configs: every YAML file except `_`-prefixed ones (`_people.yml` is not a worker) and the
    pinned tool definitions beside them (`<worker>.pins.yml`)."""
    return sorted(
        p
        for p in [*directory.glob("*.yml"), *directory.glob("*.yaml")]
        if not p.name.startswith("_") and not p.name.endswith(".pins.yml")  # pins: bot/tools/pins.py
    )


def load_people(directory: Path) -> list[Person]:
    """`_people.yml` of the directory (none: nobody is linked); ConfigError with file and line."""
    path = directory / PEOPLE_FILE
    if not path.is_file():
        return []
    root, found = read_model(path, PeopleFile)
    people = found.people
    problems = list(_people_problems(people))
    if problems:
        raise ConfigError([issue_at(path, root, loc, msg) for loc, msg in problems])
    return people


def _people_problems(people: list[Person]) -> Iterator[tuple[Loc, str]]:
    """An account names one person (else four-eyes would be ambiguous); each person has an account."""
    owner: dict[str, str] = {}
    for i, person in enumerate(people):
        if not person.accounts:
            yield ("people", i), f"{person.name} has no account (slack, teams_aad or teams_mri)"
        for kind in ("slack", "teams_aad", "teams_mri"):
            for j, account in enumerate(getattr(person, kind)):
                if account in owner and owner[account] != person.name:
                    yield ("people", i, kind, j), f"{account} is already {owner[account]}'s account"
                owner.setdefault(account, person.name)


def load_worker_file(path: Path) -> WorkerConfig:
    """One worker config, validated field by field then across fields; ConfigError lists every issue."""
    root, data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(
            [ConfigIssue(file=str(path), line=1, field="-", message="expected a mapping at the top")]
        )
    try:
        worker = WorkerConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(
            [issue_at(path, root, clean_loc(e["loc"]), e["msg"]) for e in exc.errors()]
        ) from None
    problems = list(cross_field_problems(worker))
    if problems:
        raise ConfigError([issue_at(path, root, loc, msg) for loc, msg in problems])
    return worker
