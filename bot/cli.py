"""The `missionbot` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from bot.commands import audit_cmd, check_cmd, demo_cmd, worker_cmd


def _not_yet(name: str, issue: str) -> Callable[[argparse.Namespace], int]:
    def run(_: argparse.Namespace) -> int:
        print(f"missionbot {name}: not there yet (arrives with the {issue} work).", file=sys.stderr)
        return 2

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="missionbot", description="Governed AI workers in Slack and Teams.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="validate worker_configs/; non-zero exit with file, field and line")
    p.add_argument("--config-dir", default=None)
    p.set_defaults(func=check_cmd.run)

    p = sub.add_parser("worker", help="RQ worker(s) for the mission and action queues")
    p.add_argument("--burst", action="store_true", help="drain the queues, then exit")
    p.add_argument("--simple", action="store_true", help="run jobs in this process (no fork per job)")
    p.set_defaults(func=worker_cmd.run)

    p = sub.add_parser("shell", help="chat with the workers in the terminal")
    p.add_argument("--as", dest="user", default="U0AGENT", help="user id to start as")
    p.add_argument("--channel", default="C0SUPPORT")
    p.set_defaults(func=demo_cmd.run_shell)

    p = sub.add_parser("demo", help="the whole loop on this machine, nothing to configure")
    p.add_argument("--script", action="store_true", help="play the escalation story non-interactively")
    p.set_defaults(func=demo_cmd.run_demo)

    p = sub.add_parser("audit", help="export or verify the audit trail")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    e = audit_sub.add_parser("export", help="JSONL export")
    e.add_argument("--out", default="-", help="file to write (default: stdout)")
    e.set_defaults(func=audit_cmd.export)
    v = audit_sub.add_parser("verify", help="verify the hash chain")
    v.set_defaults(func=audit_cmd.verify)

    for name, issue in (("serve", "Slack/Teams"), ("scheduler", "escalation and digest"),
                        ("eval", "evals"), ("tools", "MCP"), ("digest", "digest")):
        p = sub.add_parser(name, help=f"(arrives with the {issue} work)")
        p.add_argument("rest", nargs="*")
        p.set_defaults(func=_not_yet(name, issue))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
