"""`missionbot audit export|verify|checkpoint`.

Exit codes of `verify` and `checkpoint`: 0 intact; 1 TAMPERED (an edited, reordered, replayed or forged
event, a missing or wrong head, a gap in the sequence, a history that differs from the checkpoint);
3 LOST events (the stream is consistent but events a checkpoint or a writer vouches for are gone, as
after a failover to a lagging replica); 2 unusable setup (no REDIS_URL, no audit key).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from bot.commands.common import add_insecure_audit_key_flag, audit_key_or_exit, redis_or_exit
from bot.core.audit import Audit
from bot.core.audit_keys import AuditKeys
from bot.core.audit_verify import LOST_EXIT, TAMPERED_EXIT, Verdict, check, latest_checkpoint, sign_checkpoint
from bot.core.settings import Settings


def _audit(command: str, args: argparse.Namespace) -> Audit:
    settings = audit_key_or_exit(Settings(), command, insecure=getattr(args, "insecure_audit_key", False))
    return Audit(
        redis=redis_or_exit(settings, command),
        prefix=settings.key_prefix,
        clock=lambda: datetime.now(UTC),
        keys=AuditKeys.from_settings(settings),
    )


def export(args: argparse.Namespace) -> int:
    audit = _audit("audit export", args)
    if args.out == "-":
        count = audit.export(sys.stdout)
    else:
        with open(args.out, "w") as out:
            count = audit.export(out)
    print(f"exported {count} events", file=sys.stderr)
    return 0


def _checked(audit: Audit, path: str | None) -> Verdict:
    if not path:
        return check(audit)
    cp, forged = latest_checkpoint(audit, Path(path))
    verdict = check(audit, checkpoint=cp)
    verdict.tampered.extend(forged)
    if cp is None and not forged:
        print(f"note: {path} holds no checkpoint for this stream yet", file=sys.stderr)
    return verdict


def _report(verdict: Verdict) -> None:
    for problem in verdict.problems:
        print(problem, file=sys.stderr)
    if verdict.exit_code == TAMPERED_EXIT:
        print(
            f"audit chain TAMPERED: {len(verdict.tampered)} problem(s)"
            + (f", and {len(verdict.lost)} finding(s) of lost events" if verdict.lost else "")
        )
    elif verdict.exit_code == LOST_EXIT:
        print(f"audit chain intact but events were LOST: {len(verdict.lost)} finding(s)")
    else:
        print(f"audit chain intact: {verdict.events} events, head at seq {verdict.seq}")


def verify(args: argparse.Namespace) -> int:
    verdict = _checked(_audit("audit verify", args), args.since_checkpoint)
    _report(verdict)
    return verdict.exit_code


def checkpoint(args: argparse.Namespace) -> int:
    """Verify, then append a signed (seq, chain hash, time) to the JSONL file:
    only a sound head is anchored."""
    audit = _audit("audit checkpoint", args)
    verdict = _checked(audit, args.out)
    if verdict.tampered or (verdict.lost and not args.accept_lost):
        _report(verdict)
        print(
            "no checkpoint written"
            + ("" if verdict.tampered else " (pass --accept-lost to anchor it anyway)")
        )
        return verdict.exit_code
    line = sign_checkpoint(audit, verdict, at=datetime.now(UTC))
    with open(args.out, "a") as out:
        out.write(json.dumps(line, sort_keys=True) + "\n")
    print(f"checkpoint at seq {line['seq']} appended to {args.out}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("audit", help="export, verify or checkpoint the audit trail")
    audit_sub = p.add_subparsers(dest="audit_command", required=True)
    e = audit_sub.add_parser("export", help="JSONL export")
    e.add_argument("--out", default="-", help="file to write (default: stdout)")
    add_insecure_audit_key_flag(e)
    e.set_defaults(func=export)
    v = audit_sub.add_parser(
        "verify",
        help="verify the keyed chain: every event, the head, no gaps (exit 1 tampered, 3 lost events)",
    )
    v.add_argument(
        "--since-checkpoint",
        metavar="FILE",
        help="also check the stream against the newest checkpoint "
        "in this JSONL file (written by `audit checkpoint`)",
    )
    add_insecure_audit_key_flag(v)
    v.set_defaults(func=verify)
    c = audit_sub.add_parser(
        "checkpoint", help="verify, then append a signed checkpoint of the head to a file"
    )
    c.add_argument(
        "--out", required=True, metavar="FILE", help="JSONL file of checkpoints (kept outside Redis)"
    )
    c.add_argument(
        "--accept-lost",
        action="store_true",
        help="anchor the current head even though events were lost (after a failover, reviewed)",
    )
    add_insecure_audit_key_flag(c)
    c.set_defaults(func=checkpoint)
