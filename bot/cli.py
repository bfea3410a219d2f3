"""The `missionbot` command."""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType

from pydantic import ValidationError

from bot.core import log_format, log_redaction
from bot.core.settings import Settings

# Each command module (bot/commands/<module>.py) exposes `register(subparsers)`; a new command is one module
# and one line here: the command names it registers, then the module.
COMMANDS = {
    ("check",): "check_cmd",
    ("worker",): "worker_cmd",
    ("shell", "demo"): "demo_cmd",
    ("audit",): "audit_cmd",
    ("serve",): "serve_cmd",
    ("scheduler",): "scheduler_cmd",
    ("digest",): "digest_cmd",
    ("eval",): "eval_cmd",
    ("tools",): "tools_cmd",
}


def command_modules(argv: list[str] | None = None) -> list[ModuleType]:
    """The module of the command `argv` names, alone: each module imports what its command runs on, and
    `serve` should not pay for the scheduler's or the demo's imports before it answers. Every module when
    no known command is named (`missionbot --help`, a typo: argparse lists them all)."""
    words = sys.argv[1:] if argv is None else argv
    first = next((w for w in words if not w.startswith("-")), None)
    chosen = [module for names, module in COMMANDS.items() if first in names]
    return [importlib.import_module(f"bot.commands.{m}") for m in chosen or COMMANDS.values()]


def build_parser(argv: list[str] | None = None, *, every: bool = True) -> argparse.ArgumentParser:
    """`every=False`: only the command `argv` names is registered (`main`; see `command_modules`)."""
    parser = argparse.ArgumentParser(prog="missionbot", description="Governed AI workers in Slack and Teams.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in command_modules([] if every else argv):
        module.register(sub)
    return parser


def _json_logs_for_cli() -> None:
    """With MISSIONBOT_LOG_FORMAT=json, every command's log lines are JSON too, at the WARNING level that
    Python shows unconfigured (serve, worker and scheduler configure their own); text: nothing changes."""
    try:
        settings = Settings()
    except ValidationError:
        return  # the command reports its settings itself
    if settings.log_format == "json":
        log_format.configure(fmt="json", role="cli", level="WARNING")


def main(argv: list[str] | None = None) -> int:
    log_redaction.install()  # before any command configures logging: no token reaches a log
    args = build_parser(argv, every=False).parse_args(argv)
    _json_logs_for_cli()
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
