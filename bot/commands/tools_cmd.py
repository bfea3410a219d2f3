"""`missionbot tools <worker>`: what each MCP server offers, the tier its annotations suggest,
and the config's.

Annotations are a hint for the person writing the config: `readOnlyHint` suggests read; unannotated or
`destructiveHint` suggests execute. Only the config's `tools:` is ever exposed, with its own tier.
"""

from __future__ import annotations

import argparse

from bot.commands.common import workers_or_exit
from bot.core.config.models import BuiltinIntegration, WorkerConfig
from bot.core.errors import ToolError
from bot.core.settings import Settings


def describe(worker: WorkerConfig) -> tuple[list[str], bool]:
    # Optional dependency loaded on use: the MCP client stack costs ~0.2 s to import, and every other
    # `missionbot` command (serve above all) starts without it.
    from bot.tools.mcp import McpServer

    lines, ok = [f"{worker.name}: {worker.display_name}"], True
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
        missing = sorted(
            t
            for t in worker.tools
            if t.startswith(f"{name}.") and t.split(".", 1)[1] not in {o.name for o in offered}
        )
        lines += [f"    ✘ {t} is listed under tools but {name} does not offer it" for t in missing]
        ok = ok and not missing
    return lines, ok


def run(args: argparse.Namespace) -> int:
    workers = workers_or_exit(Settings())
    chosen = [workers[args.worker]] if args.worker in workers else None
    if chosen is None:
        print(f"no worker {args.worker!r}; known: {', '.join(sorted(workers))}")
        return 2
    lines, ok = describe(chosen[0])
    print("\n".join(lines))
    return 0 if ok else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tools", help="list what a worker's MCP servers offer, with suggested tiers")
    p.add_argument("worker")
    p.set_defaults(func=run)
