"""`missionbot check`: validate worker configs, and the tool names each MCP server really offers.

Built-in integrations are checked statically by the loader. An MCP server's tools are known only by
asking it, so `check` connects to each one (bounded by its `timeout_seconds`) and lists them; a typo
such as `helpdesk.delete_acount` is then reported with file, field and line. `--offline` skips that.
A `knowledge:` path that exists nowhere is an error too; an LLM worker whose provider's API key is not
set in this environment is a warning (the key may live only in the worker's environment): exit stays 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.commands.common import config_dir, workers_or_exit
from bot.core.config.cross_checks import knowledge_issues, offered_tool_issues
from bot.core.config.loader import config_files, load_worker_file
from bot.core.config.models import WorkerConfig
from bot.core.config.tools import BuiltinIntegration
from bot.core.config.yaml_lines import compose, line_of
from bot.core.errors import ConfigIssue, ToolError
from bot.core.settings import Settings
from bot.missions.planners.chat_models import missing_key


def mcp_issues(
    path: Path, worker: WorkerConfig, *, env: dict[str, str]
) -> tuple[list[ConfigIssue], list[str]]:
    """Connect to each MCP integration of `worker`; issues for unknown tools or unreachable servers,
    and notes."""
    from bot.tools.mcp import McpServer  # the MCP client stack is heavy: only when there is a server to ask

    issues: list[ConfigIssue] = []
    notes: list[str] = []
    for name, integration in worker.integrations.items():
        if isinstance(integration, BuiltinIntegration):
            continue
        try:
            offered = McpServer(name, integration, env=env).list_tools()
        except ToolError as exc:
            line = line_of(compose(path.read_text()), ("integrations", name))
            issues.append(
                ConfigIssue(
                    file=str(path),
                    line=line,
                    field=f"integrations.{name}",
                    message=f"cannot list its tools ({integration.transport}, timeout "
                    f"{integration.timeout_seconds:g}s): {exc} (--offline skips this)",
                )
            )
            continue
        found = offered_tool_issues(path, worker, name, {t.name: t.input_schema for t in offered})
        found += pin_issues(path, worker, {f"{name}.{t.name}": t.definition_hash for t in offered})
        issues += found
        if not found:
            listed = sum(1 for t in worker.tools if t.partition(".")[0] == name)
            notes.append(
                f"{name} ({integration.transport}) offers {len(offered)} tools; the {listed} listed exist"
            )
    return issues, notes


def pin_issues(path: Path, worker: WorkerConfig, hashes: dict[str, str]) -> list[ConfigIssue]:
    """A tool whose definition (as its server describes it now) no longer matches `<worker>.pins.yml`."""
    from bot.tools.pins import pins_path, read_pins

    pins_file = pins_path(path)
    pinned = read_pins(pins_file)
    root = compose(pins_file.read_text()) if pinned else None
    return [
        ConfigIssue(
            file=str(pins_file),
            line=line_of(root, ("tools", tool)),
            field=f"tools.{tool}",
            message=f"the server's definition changed since it was pinned ({pin[:19]}…, "
            f"now {hashes[tool][:19]}…); review it, then `missionbot tools {worker.name} --pin`",
        )
        for tool, pin in pinned.items()
        if tool in hashes and hashes[tool] != pin
    ]


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    directory = config_dir(settings, args.config_dir)
    workers_or_exit(settings, str(directory))  # static validation first: exits with every issue
    env = {"MISSIONBOT_KEY_PREFIX": settings.key_prefix}
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    failed = False
    for path in config_files(directory):
        worker = load_worker_file(path)
        if missing := knowledge_issues(path, worker):
            for issue in missing:
                print(issue, file=sys.stderr)
            failed = True
            continue
        remote = [n for n, i in worker.integrations.items() if not isinstance(i, BuiltinIntegration)]
        notes: list[str] = []
        if remote and args.offline:
            notes.append(f"offline: tool names of {', '.join(remote)} (MCP) not checked")
        elif remote:
            issues, notes = mcp_issues(path, worker, env=env)
            for issue in issues:
                print(issue, file=sys.stderr)
            if issues:
                failed = True
                continue
        tools = ", ".join(f"{name} ({policy.tier})" for name, policy in worker.tools.items())
        print(
            f"ok  {worker.name}: {len(worker.missions)} mission(s), autonomy {worker.autonomy}, "
            f"tools: {tools}"
        )
        for note in notes:
            print(f"    {note}")
        if variable := missing_key(worker):
            line = line_of(compose(path.read_text()), ("model",))
            print(
                f"warn {path}:{line}: model: {variable} is not set; "
                f"{worker.name}'s missions ({worker.model}) "
                "fail at once until `missionbot worker` runs with it",
                file=sys.stderr,
            )
    return 1 if failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="validate worker_configs/ (and each MCP server's tool names); "
        "non-zero exit with file, field and line",
    )
    p.add_argument("--config-dir", default=None)
    p.add_argument(
        "--offline", action="store_true", help="do not connect to MCP servers (tool names unchecked)"
    )
    p.set_defaults(func=run)
