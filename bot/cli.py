"""The `missionbot` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from pydantic import ValidationError

from bot.commands import (
    audit_cmd,
    check_cmd,
    demo_cmd,
    digest_cmd,
    eval_cmd,
    scheduler_cmd,
    serve_cmd,
    tools_cmd,
    worker_cmd,
)
from bot.core import log_format, log_redaction
from bot.core.settings import Settings


def _not_yet(name: str, issue: str) -> Callable[[argparse.Namespace], int]:
    def run(_: argparse.Namespace) -> int:
        print(f"missionbot {name}: not there yet (arrives with the {issue} work).", file=sys.stderr)
        return 2

    return run


# Each command module exposes `register(subparsers)`; a new command is one module and one line here.
COMMANDS = [check_cmd, worker_cmd, demo_cmd, audit_cmd, serve_cmd]
COMMANDS += [scheduler_cmd, digest_cmd, eval_cmd]
COMMANDS += [tools_cmd]
NOT_YET = {
    "serve": "Slack/Teams",
    "scheduler": "escalation and digest",
    "eval": "evals",
    "tools": "MCP",
    "digest": "digest",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="missionbot", description="Governed AI workers in Slack and Teams.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.register(sub)
    for name, issue in NOT_YET.items():
        if name not in sub.choices:
            p = sub.add_parser(name, help=f"(arrives with the {issue} work)")
            p.add_argument("rest", nargs="*")
            p.set_defaults(func=_not_yet(name, issue))
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
    args = build_parser().parse_args(argv)
    _json_logs_for_cli()
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
