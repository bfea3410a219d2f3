"""`missionbot audit export|verify|checkpoint|trim`.

Exit codes of `verify` and `checkpoint`: 0 intact; 1 TAMPERED (an edited, reordered, replayed or forged
event, a missing or wrong head, a gap in the sequence, a history that differs from the checkpoint);
3 LOST events (the stream is consistent but events a checkpoint or a writer vouches for are gone, as
after a failover to a lagging replica); 2 unusable setup (no REDIS_URL, no audit key). `trim` exits
with `verify`'s code when it refuses (nothing is dropped from a stream with findings).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.commands.common import add_insecure_audit_key_flag, audit_key_or_exit, redis_or_exit
from bot.core.audit import Audit
from bot.core.audit_keys import AuditKeys
from bot.core.audit_retention import trim as trim_audit
from bot.core.audit_trim import covered, covered_key
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
    if verdict.trimmed and verdict.exit_code == 0:
        print(f"the stream starts after a trimmed prefix: seq 1..{verdict.trimmed} dropped by retention")


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
    # Written after the file: Redis never claims more coverage than the outside copy holds (audit_trim.py).
    audit.redis.set(covered_key(audit), json.dumps(line, sort_keys=True))
    print(f"checkpoint at seq {line['seq']} appended to {args.out}")
    return 0


def trim(args: argparse.Namespace) -> int:
    """Drop the events older than the retention that a checkpoint covers (bot/core/audit_trim.py)."""
    audit = _audit("audit trim", args)
    days = args.keep_days if args.keep_days is not None else Settings().audit_retention_days
    if days is None:
        print(
            "audit trim: say how long to keep (--keep-days or MISSIONBOT_AUDIT_RETENTION_DAYS)",
            file=sys.stderr,
        )
        return 2
    if args.checkpoint:
        cp, forged = latest_checkpoint(audit, Path(args.checkpoint))
        if forged:
            _report(Verdict(tampered=forged))
            return TAMPERED_EXIT
    else:
        cp = covered(audit)
    now = datetime.now(UTC)
    done = trim_audit(audit, checkpoint=cp, before=now - timedelta(days=days), now=now)
    for problem in done.refused:
        print(problem, file=sys.stderr)
    if done.refused:
        print("nothing trimmed")
        return done.code
    print(f"trimmed {done.events} events: the stream now starts after seq {done.seq}")
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
    t = audit_sub.add_parser(
        "trim", help="drop events older than the retention, up to what the last checkpoint covers"
    )
    t.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="trim up to the newest checkpoint in this JSONL file (default: the one `audit checkpoint` "
        "last recorded in Redis)",
    )
    t.add_argument(
        "--keep-days",
        type=float,
        help="keep events this recent (default: MISSIONBOT_AUDIT_RETENTION_DAYS)",
    )
    add_insecure_audit_key_flag(t)
    t.set_defaults(func=trim)
