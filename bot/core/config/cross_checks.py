"""Checks pydantic cannot express, across fields and files: what a worker names must resolve.

Every tool is declared by its integration (and, for a built-in one, offered with the arguments its rules
name), every undo and step tool is listed, every template parses, every `knowledge:` path exists; and the
model timeout times its attempts stays within the bound a mission job can wait. `offered_tool_issues` and
`knowledge_issues` are for `missionbot check`, which connects to servers and looks at the disk.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from jinja2 import TemplateSyntaxError

from bot.core.config.file_issues import Loc, issue_at
from bot.core.config.models import MODEL_CALL_BOUND_SECONDS, ObserveStep, ProposeStep, ToolStep, WorkerConfig
from bot.core.config.tools import BuiltinIntegration, PreviewSpec
from bot.core.config.yaml_lines import compose
from bot.core.errors import ConfigIssue
from bot.core.string_tree import strings_in
from bot.core.templating import parse_template
from bot.tools.builtin import builtin_args_model, builtin_tool_names
from bot.tools.json_schema import declares_dry_run
from bot.tools.knowledge import TOOL_NAME as KNOWLEDGE_TOOL
from bot.tools.knowledge import looked_in, resolve


def cross_field_problems(worker: WorkerConfig) -> Iterator[tuple[Loc, str]]:
    """Cross-field rules pydantic cannot express: every tool exists, every reference resolves."""
    worst = worker.model_timeout_seconds * (worker.model_max_retries + 1)
    if worst > MODEL_CALL_BOUND_SECONDS:
        yield (
            ("model_timeout_seconds",),
            f"model_timeout_seconds x (model_max_retries + 1) is {worst:g}s; "
            f"keep it within {MODEL_CALL_BOUND_SECONDS}s so a silent provider cannot outlive the mission job",
        )
    if worker.identity.icon_emoji and worker.identity.icon_url:
        yield ("identity",), "set icon_emoji or icon_url, not both"
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
            for kind in ("auto_approve", "forbid", "editable"):
                for arg in (getattr(policy, kind) or {}) if model else {}:
                    if arg not in model.model_fields:
                        yield ("tools", tool, kind, arg), f"{tool} has no argument {arg!r}"
        if policy.summary is not None:
            try:
                parse_template(policy.summary)
            except TemplateSyntaxError as exc:
                yield ("tools", tool, "summary"), f"template error: {exc.message}"
        if policy.undo and policy.undo not in worker.tools:
            yield ("tools", tool, "undo"), f"undo tool {policy.undo!r} is not listed under tools"
        if policy.preview:
            yield from _preview_issues(worker, tool, policy.preview)
        if policy.auto_approve and policy.tier not in {"write", "execute"}:
            yield ("tools", tool, "auto_approve"), "auto_approve applies only to write and execute tools"
        if policy.editable and policy.tier not in {"write", "execute"}:
            yield ("tools", tool, "editable"), "editable applies only to write and execute tools"
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
            templates = [step.observe] if isinstance(step, ObserveStep) else list(strings_in(step.args))
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
        if policy.preview and policy.preview.dry_run and not declares_dry_run(offered[short]):
            problems.append(
                (
                    ("tools", tool, "preview", "dry_run"),
                    f"{tool} declares no boolean `dry_run` input: its server offers no dry run of it "
                    "(preview through a read-tier tool instead)",
                )
            )
    return [issue_at(path, root, loc, msg) for loc, msg in problems]


def knowledge_issues(path: Path, worker: WorkerConfig) -> list[ConfigIssue]:
    """`knowledge:` paths that exist neither next to the config file nor in its parent directory."""
    missing = [
        (i, k.path) for i, k in enumerate(worker.knowledge) if resolve(k.path, config_dir=path.parent) is None
    ]
    if not missing:
        return []
    root = compose(path.read_text())
    return [
        issue_at(
            path,
            root,
            ("knowledge", i, "path"),
            f"knowledge path {rel!r} does not exist (looked in {looked_in(rel, config_dir=path.parent)})",
        )
        for i, rel in missing
    ]


def _preview_issues(worker: WorkerConfig, tool: str, preview: PreviewSpec) -> Iterator[tuple[Loc, str]]:
    """A preview reads: its tool is listed with tier read (a dry run: the tool itself, of an MCP server,
    whose schema `missionbot check` asks for); its summary template parses."""
    if preview.dry_run:
        server = worker.integrations.get(tool.partition(".")[0])
        if isinstance(server, BuiltinIntegration):
            yield ("tools", tool, "preview", "dry_run"), f"{tool} is built in: it has no dry run"
    elif (target := worker.tools.get(preview.tool or "")) is None or target.tier != "read":
        yield (
            ("tools", tool, "preview", "tool"),
            f"preview tool {preview.tool!r} is not listed with tier read",
        )
    if preview.summary:
        try:
            parse_template(preview.summary)
        except TemplateSyntaxError as exc:
            yield ("tools", tool, "preview", "summary"), f"template error: {exc.message}"
