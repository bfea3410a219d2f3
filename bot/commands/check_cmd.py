"""`missionbot check`: validate worker configs."""

from __future__ import annotations

import argparse

from bot.commands.common import workers_or_exit
from bot.settings import Settings


def run(args: argparse.Namespace) -> int:
    workers = workers_or_exit(Settings(), args.config_dir)
    for worker in workers.values():
        tools = ", ".join(f"{name} ({policy.tier})" for name, policy in worker.tools.items())
        print(f"ok  {worker.name}: {len(worker.missions)} mission(s), autonomy {worker.autonomy}, tools: {tools}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="validate worker_configs/; non-zero exit with file, field and line")
    p.add_argument("--config-dir", default=None)
    p.set_defaults(func=run)
