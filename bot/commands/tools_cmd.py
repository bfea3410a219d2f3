"""`missionbot tools <worker>`: what each MCP server offers, the tier its annotations suggest, the config's,
and each tool's definition hash (`--pin` writes them beside the config: bot/tools/pins.py).

Annotations are a hint for the person writing the config: `readOnlyHint` suggests read; unannotated or
`destructiveHint` suggests execute. Only the config's `tools:` is ever exposed, with its own tier.
"""

from __future__ import annotations

import argparse
import sys

from bot.commands.common import config_dir, workers_or_exit
from bot.core.config.loader import config_files, load_worker_file
from bot.core.config.models import WorkerConfig
from bot.core.config.tools import BuiltinIntegration
from bot.core.errors import ToolError
from bot.core.settings import Settings


def describe(worker: WorkerConfig, hashes: dict[str, str] | None = None) -> tuple[list[str], bool]:
    """`hashes` (when given) collects each offered tool's definition hash, by `server.tool`."""
    # Optional dependency loaded on use: the MCP client stack costs ~0.2 s to import, and every other
    # `missionbot` command (serve above all) starts without it.
    from bot.tools.mcp import McpServer

    lines, ok = [f"{worker.name}: {worker.display_name}"], True
    hashes = {} if hashes is None else hashes
    for name, integration in worker.integrations.items():
        if isinstance(integration, BuiltinIntegration):
            lines.append(f"  {name} (built-in {integration.module}): tools declared in code")
            continue
        lines.append(f"  {name} ({integration.transport}, timeout {integration.timeout_seconds:g}s)")
        try:
            offered = McpServer(name, integration).list_tools()
        except ToolError as exc:
            lines.append(f"    ✘ {exc}")
            ok = False
            continue
        for tool in offered:
            full = f"{name}.{tool.name}"
            policy = worker.policy(full)
            configured = f"configured: {policy.tier}" if policy else "NOT LISTED under tools: (not exposed)"
            lines.append(f"    {full:<40} suggested: {tool.suggested_tier:<8} {configured}")
            lines.append(f"      definition {tool.definition_hash}")
            hashes[full] = tool.definition_hash
        missing = sorted(
            t
            for t in worker.tools
            if t.startswith(f"{name}.") and t.split(".", 1)[1] not in {o.name for o in offered}
        )
        lines += [f"    ✘ {t} is listed under tools but {name} does not offer it" for t in missing]
        ok = ok and not missing
    return lines, ok


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    workers = workers_or_exit(settings)
    chosen = [workers[args.worker]] if args.worker in workers else None
    if chosen is None:
        print(f"no worker {args.worker!r}; known: {', '.join(sorted(workers))}")
        return 2
    hashes: dict[str, str] = {}
    lines, ok = describe(chosen[0], hashes)
    print("\n".join(lines))
    if args.pin:
        return pin(settings, chosen[0], hashes) if ok else 1
    return 0 if ok else 1


def pin(settings: Settings, worker: WorkerConfig, hashes: dict[str, str]) -> int:
    """Write the worker's listed tools' hashes to `<config>.pins.yml` beside its config file."""
    from bot.tools.pins import pins_path, write_pins

    directory = config_dir(settings)
    path = next((p for p in config_files(directory) if load_worker_file(p).name == worker.name), None)
    if path is None:
        print(f"no config file for {worker.name} in {directory}", file=sys.stderr)
        return 2
    target = pins_path(path)
    write_pins(target, worker=worker.name, hashes={t: h for t, h in hashes.items() if t in worker.tools})
    print(f"pinned {len([t for t in hashes if t in worker.tools])} tool definition(s) in {target}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tools", help="list what a worker's MCP servers offer, with suggested tiers")
    p.add_argument("worker")
    p.add_argument("--pin", action="store_true", help="write the definition hashes to <worker>.pins.yml")
    p.set_defaults(func=run)
