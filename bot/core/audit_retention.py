"""Trimming the audit stream up to what a checkpoint covers and the retention allows (markers and the
design: bot/core/audit_trim.py). Run by `missionbot audit trim` and the scheduled retention sweep."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from redis.exceptions import WatchError

from bot.core.audit import GENESIS, Audit
from bot.core.audit_trim import sign, trim_base, trimmed_key
from bot.core.audit_verify import check, link


@dataclass(frozen=True, kw_only=True)
class Trimmed:
    events: int = 0  # dropped by this trim
    seq: int = 0  # the stream now starts after this seq
    refused: list[str] = field(default_factory=list)  # why nothing was dropped (problems found)
    code: int = 0  # `audit verify`'s exit code when the stream has findings; 2 when nothing covers it


def _oldest(audit: Audit, upto: int) -> Iterator[tuple[bytes, dict[bytes, bytes]]]:
    last = "-"
    while batch := audit.redis.xrange(audit.stream, min=last, max="+", count=500):
        for entry_id, fields in batch:
            if int(fields[b"seq"]) > upto:
                return
            yield entry_id, fields
        last = "(" + batch[-1][0].decode()


def trim(audit: Audit, *, checkpoint: dict[str, Any] | None, before: datetime, now: datetime) -> Trimmed:
    """Drop the events up to min(`checkpoint`'s seq, the last event recorded before `before`), after
    verifying the stream against `checkpoint`; a stream with any finding is left as it is."""
    if checkpoint is None:
        return Trimmed(
            refused=["no checkpoint covers the stream yet: run `missionbot audit checkpoint`"], code=2
        )
    with audit.redis.pipeline() as pipe:
        try:
            pipe.watch(trimmed_key(audit))  # two trims at once: the later one finds the marker changed
            verdict = check(audit, checkpoint=checkpoint)
            if verdict.problems:
                return Trimmed(seq=verdict.trimmed, refused=verdict.problems, code=verdict.exit_code)
            base, _ = trim_base(audit)
            seq, chain, mac, at, cut = verdict.trimmed, (base or {}).get("chain", GENESIS), "", "", b""
            for entry_id, fields in _oldest(audit, checkpoint["seq"]):
                event_at = json.loads(fields[b"event"])["at"]
                if datetime.fromisoformat(event_at) >= before:
                    break
                seq, mac, at, cut = int(fields[b"seq"]), fields[b"mac"].decode(), event_at, entry_id
                chain = link(chain, mac)
            if not cut:
                return Trimmed(seq=seq)
            marker = {"prefix": audit.prefix, "seq": seq, "chain": chain, "mac": mac, "at": at}
            marker |= {"kid": audit.keys.kid, "trimmed_at": now.isoformat()}
            ms, _, n = cut.decode().partition("-")
            pipe.multi()
            pipe.set(trimmed_key(audit), json.dumps(sign(audit, marker), sort_keys=True))
            pipe.xtrim(audit.stream, minid=f"{ms}-{int(n) + 1}", approximate=False)
            pipe.execute()
        except WatchError:
            return Trimmed(refused=["another trim ran at the same time; nothing dropped"])
    return Trimmed(events=seq - verdict.trimmed, seq=seq)
