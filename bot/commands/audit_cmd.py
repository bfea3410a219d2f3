"""`missionbot audit export|verify`."""

from __future__ import annotations

import argparse
import sys

from bot.audit import Audit
from bot.commands.common import redis_or_exit
from bot.runtime import utc_now
from bot.settings import Settings


def _audit(command: str) -> Audit:
    settings = Settings()
    return Audit(redis=redis_or_exit(settings, command), prefix=settings.key_prefix, clock=utc_now)


def export(args: argparse.Namespace) -> int:
    audit = _audit("audit export")
    if args.out == "-":
        count = audit.export(sys.stdout)
    else:
        with open(args.out, "w") as out:
            count = audit.export(out)
    print(f"exported {count} events", file=sys.stderr)
    return 0


def verify(_: argparse.Namespace) -> int:
    problems = _audit("audit verify").verify()
    for problem in problems:
        print(problem, file=sys.stderr)
    print("audit chain intact" if not problems else f"audit chain BROKEN: {len(problems)} problem(s)")
    return 1 if problems else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="export or verify the audit trail")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    e = audit_sub.add_parser("export", help="JSONL export")
    e.add_argument("--out", default="-", help="file to write (default: stdout)")
    e.set_defaults(func=export)
    v = audit_sub.add_parser("verify", help="verify the hash chain")
    v.set_defaults(func=verify)
