"""Load `worker_configs/*.yml`, reporting every problem with file, field and line."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from jinja2 import TemplateSyntaxError
from pydantic import ValidationError

from bot.core.config.models import (
    MODEL_CALL_BOUND_SECONDS,
    BuiltinIntegration,
    ObserveStep,
    PeopleFile,
    Person,
    ProposeStep,
    ToolStep,
    WorkerConfig,
)
from bot.core.config.yaml_lines import MAX_BYTES, YamlLimitError, compose, line_of, load
from bot.core.errors import ConfigError, ConfigIssue
from bot.core.templating import parse_template
from bot.tools.builtin import builtin_args_model, builtin_tool_names
from bot.tools.knowledge import TOOL_NAME as KNOWLEDGE_TOOL
from bot.tools.knowledge import looked_in, resolve

Loc = tuple[str | int, ...]
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
    if issues:
        raise ConfigError(issues)
    if not workers:
        raise ConfigError(
            [ConfigIssue(file=str(directory), line=None, field="-", message="no worker configs (*.yml)")]
        )
    return workers


def config_files(directory: Path) -> list[Path]:
    """The worker configs: every YAML file except `_`-prefixed ones (`_people.yml` is not a worker)."""
    return sorted(
        p for p in [*directory.glob("*.yml"), *directory.glob("*.yaml")] if not p.name.startswith("_")
    )


def load_people(directory: Path) -> list[Person]:
    """`_people.yml` of the directory (none: nobody is linked); ConfigError with file and line."""
    path = directory / PEOPLE_FILE
    if not path.is_file():
        return []
    root, data = read_yaml(path)
    try:
        people = PeopleFile.model_validate(data if data is not None else {}).people
    except ValidationError as exc:
        raise ConfigError([_issue(path, root, _clean(e["loc"]), e["msg"]) for e in exc.errors()]) from None
    problems = list(_people_problems(people))
    if problems:
        raise ConfigError([_issue(path, root, loc, msg) for loc, msg in problems])
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


def offered_tool_issues(
    path: Path, worker: WorkerConfig, integration: str, offered: Mapping[str, dict[str, Any]]
) -> list[ConfigIssue]:
    """Tools listed for `integration` that its server does not offer, and rule arguments its schema lacks.

    `offered` maps each tool the server lists (short name) to its input JSON Schema; the caller connected.
    """
    root = compose(path.read_text())
    problems: list[tuple[Loc, str]] = []
    for tool, policy in worker.tools.items():
        server, _, short = tool.partition(".")
        if server != integration:
            continue
        if short not in offered:
            problems.append(
                (
                    ("tools", tool),
                    f"unknown tool {tool!r}; {integration} offers "
                    f"{', '.join(f'{integration}.{t}' for t in sorted(offered)) or 'no tools'}",
                )
            )
            continue
        props = offered[short].get("properties")
        for kind in ("auto_approve", "forbid"):
            for arg in (getattr(policy, kind) or {}) if isinstance(props, dict) else {}:
                if arg not in props:
                    problems.append((("tools", tool, kind, arg), f"{tool} has no argument {arg!r}"))
    return [_issue(path, root, loc, msg) for loc, msg in problems]


def knowledge_issues(path: Path, worker: WorkerConfig) -> list[ConfigIssue]:
    """`knowledge:` paths that exist neither next to the config file nor in its parent directory."""
    missing = [
        (i, k.path) for i, k in enumerate(worker.knowledge) if resolve(k.path, config_dir=path.parent) is None
    ]
    if not missing:
        return []
    root = compose(path.read_text())
    return [
        _issue(
            path,
            root,
            ("knowledge", i, "path"),
            f"knowledge path {rel!r} does not exist (looked in {looked_in(rel, config_dir=path.parent)})",
        )
        for i, rel in missing
    ]


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


def load_worker_file(path: Path) -> WorkerConfig:
    root, data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(
            [ConfigIssue(file=str(path), line=1, field="-", message="expected a mapping at the top")]
        )
    try:
        worker = WorkerConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_issue(path, root, _clean(e["loc"]), e["msg"]) for e in exc.errors()]) from None
    problems = list(_semantic_problems(worker))
    if problems:
        raise ConfigError([_issue(path, root, loc, msg) for loc, msg in problems])
    return worker


def _clean(loc: tuple[Any, ...]) -> Loc:
    # pydantic adds union tags and '[key]' markers that are not in the YAML.
    return tuple(
        p
        for p in loc
        if p not in {"[key]", "tool", "observe", "propose", "builtin", "stdio", "streamable_http"}
        or isinstance(p, int)
    )


def _issue(path: Path, root: yaml.Node | None, loc: Loc, message: str) -> ConfigIssue:
    field = ".".join(str(p) for p in loc) or "-"
    return ConfigIssue(file=str(path), line=line_of(root, loc), field=field, message=message)


def _semantic_problems(worker: WorkerConfig) -> Iterator[tuple[Loc, str]]:
    """Cross-field rules pydantic cannot express: every tool exists, every reference resolves."""
    worst = worker.model_timeout_seconds * (worker.model_max_retries + 1)
    if worst > MODEL_CALL_BOUND_SECONDS:
        yield (
            ("model_timeout_seconds",),
            f"model_timeout_seconds x (model_max_retries + 1) is {worst:g}s; "
            f"keep it within {MODEL_CALL_BOUND_SECONDS}s so a silent provider cannot outlive the mission job",
        )
    for tool, policy in worker.tools.items():
        if tool == KNOWLEDGE_TOOL:
            if not worker.knowledge:
                yield ("tools", tool), f"{tool} needs knowledge: documents to search"
            elif policy.tier != "read":
                yield ("tools", tool, "tier"), f"{tool} is read-only; its tier must be read"
            continue
        server, _, short = tool.partition(".")
        integration = worker.integrations.get(server)
        if not short or integration is None:
            yield (
                ("tools", tool),
                f"unknown tool {tool!r}: tools are named integration.tool and "
                f"the integration must be declared (declared: {', '.join(worker.integrations) or 'none'})",
            )
            continue
        if isinstance(integration, BuiltinIntegration):
            names = builtin_tool_names(integration.module, server)
            if names is None:
                yield (
                    ("integrations", server, "module"),
                    f"unknown built-in integration {integration.module!r}",
                )
                continue
            if tool not in names:
                yield ("tools", tool), f"unknown tool {tool!r}; {server} offers {', '.join(sorted(names))}"
                continue
            model = builtin_args_model(integration.module, short)
            for kind in ("auto_approve", "forbid"):
                for arg in (getattr(policy, kind) or {}) if model else {}:
                    if arg not in model.model_fields:
                        yield ("tools", tool, kind, arg), f"{tool} has no argument {arg!r}"
        if policy.undo and policy.undo not in worker.tools:
            yield ("tools", tool, "undo"), f"undo tool {policy.undo!r} is not listed under tools"
        if policy.auto_approve and policy.tier not in {"write", "execute"}:
            yield ("tools", tool, "auto_approve"), "auto_approve applies only to write and execute tools"
    for mname, mission in worker.missions.items():
        if worker.is_playbook and not mission.steps:
            yield ("missions", mname, "steps"), "a playbook mission needs 1 to 5 steps"
        if not worker.is_playbook and not mission.instructions:
            yield ("missions", mname, "instructions"), f"model {worker.model!r} needs instructions"
        for i, step in enumerate(mission.steps):
            loc: Loc = ("missions", mname, "steps", i)
            tool = (
                step.tool
                if isinstance(step, ToolStep)
                else step.propose
                if isinstance(step, ProposeStep)
                else None
            )
            if tool is not None and tool not in worker.tools:
                yield (
                    (*loc, "propose" if isinstance(step, ProposeStep) else "tool"),
                    f"unknown tool {tool!r}: not listed under tools",
                )
            templates = [step.observe] if isinstance(step, ObserveStep) else list(_strings(step.args))
            if isinstance(step, ProposeStep):
                templates.append(step.rationale)
            for template in templates:
                try:
                    parse_template(template)
                except TemplateSyntaxError as exc:
                    yield loc, f"template error: {exc.message}"
        if mission.verdict:
            try:
                parse_template(mission.verdict)
            except TemplateSyntaxError as exc:
                yield ("missions", mname, "verdict"), f"template error: {exc.message}"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
