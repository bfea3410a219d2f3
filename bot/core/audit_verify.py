"""Verifying the keyed audit chain, and signed checkpoints that anchor its head outside Redis.

Two kinds of finding, kept apart because they call for different responses:
- TAMPERED: something no key holder wrote and no failover produces: a MAC that does not match (an edited
  event), an unknown key, a gap or jump in `seq`, a broken `prev` link, a missing or wrong head, a repeated
  writer sequence (a replay), a stream whose history up to a checkpoint differs from it, a forged checkpoint.
- LOST: genuine events that are no longer there, as after a Redis failover to a replica that lagged: the
  stream is consistent but ends before a checkpoint, was continued after it from an earlier point, or a
  writer's own sequence skips numbers. Deleting the newest events with the head looks the same; it is
  reported, never passed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.audit import GENESIS, mac_of, parse_head
from bot.core.audit_trim import trim_base

if TYPE_CHECKING:
    from bot.core.audit import Audit

TAMPERED_EXIT, LOST_EXIT = 1, 3


@dataclass(kw_only=True)
class Verdict:
    tampered: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    seq: int = 0  # the last verified event
    chain: str = GENESIS  # SHA-256 over every MAC up to `seq`: what a checkpoint signs
    events: int = 0
    gaps: list[tuple[int, str]] = field(default_factory=list)  # (seq, finding): writers' missing events
    trimmed: int = 0  # the stream starts after this seq: a signed trim dropped the events up to it

    @property
    def problems(self) -> list[str]:
        return [*self.tampered, *self.lost]

    @property
    def exit_code(self) -> int:
        return TAMPERED_EXIT if self.tampered else LOST_EXIT if self.lost else 0


def link(chain: str, mac: str) -> str:
    return hashlib.sha256(f"{chain}|{mac}".encode()).hexdigest()


@dataclass(frozen=True)
class _Entry:
    seq: int
    text: str  # the sealed body, exactly as MACed
    body: dict[str, Any]
    prev: str
    mac: str


def _sealed(fields: dict[bytes, bytes]) -> _Entry | None:
    """The entry's parts, or None when it is not something `Audit.record` writes."""
    try:
        text = fields[b"event"].decode()
        entry = _Entry(
            int(fields[b"seq"]), text, json.loads(text), fields[b"prev"].decode(), fields[b"mac"].decode()
        )
    except (KeyError, ValueError):
        return None
    return entry if isinstance(entry.body, dict) else None


def _mac_ok(audit: Audit, entry: _Entry, where: str, v: Verdict) -> None:
    key = audit.keys.for_id(str(entry.body.get("kid")))
    if key is None:
        v.tampered.append(f"{where}: signed with a key we do not hold (kid {entry.body.get('kid')!r})")
    elif not hmac.compare_digest(mac_of(key, entry.text), entry.mac):
        v.tampered.append(f"{where}: altered (MAC mismatch)")


def _head(audit: Audit, v: Verdict) -> tuple[int, str]:
    try:
        head = parse_head(audit.redis.get(audit.head))
    except ValueError:
        v.tampered.append("the head is unreadable (overwritten?)")
        return -1, ""
    return head or (0, GENESIS)


def check(audit: Audit, *, checkpoint: dict[str, Any] | None = None) -> Verdict:
    """Walk the whole stream; compare with the head and, when given, a verified checkpoint."""
    v = Verdict()
    # The newest entry first, then the head: the head is set with each append, so it can only be ahead.
    newest = audit.redis.xrevrange(audit.stream, count=1)
    newest_seq = (_sealed(newest[0][1]) or _Entry(0, "", {}, "", "")).seq if newest else 0
    if newest and not audit.redis.exists(audit.head):
        v.tampered.append("events exist but the head is missing (head deleted?)")
    head = _head(audit, v)
    if newest_seq > head[0] >= 0:
        v.tampered.append(
            f"the head says seq {head[0]} but the stream reaches seq {newest_seq} (head wound back?)"
        )
    prev_mac, writers, at_checkpoint = GENESIS, {}, None
    base, forged = trim_base(audit)
    if forged:
        v.tampered.append("the trim marker is not signed by a key we hold (forged?)")
    elif base:  # a trimmed prefix (bot/core/audit_trim.py): the kept events continue from its last one
        v.seq, v.chain, v.trimmed, prev_mac = base["seq"], base["chain"], base["seq"], base["mac"]
    if checkpoint and checkpoint["seq"] == v.seq:
        at_checkpoint = (v.chain, base["at"] if base else None)
    elif checkpoint and checkpoint["seq"] < v.seq:
        at_checkpoint = (checkpoint["chain"], None)  # within the prefix a verified trim dropped
    for entry_id, fields in _entries(audit):
        entry = _sealed(fields)
        if entry is None:
            v.tampered.append(f"{entry_id.decode()}: not a sealed audit entry")
            continue
        if entry.seq > max(head[0], newest_seq):
            break  # appended while we were reading
        where = f"{entry_id.decode()} (seq {entry.seq})"
        if entry.seq != v.seq + 1:
            v.tampered.append(
                f"{where}: sequence jumps from {v.seq} to {entry.seq} (events deleted or reordered?)"
            )
        if entry.prev != prev_mac:
            v.tampered.append(f"{where}: does not link to the previous event")
        _mac_ok(audit, entry, where, v)
        _writer_step(writers, entry.body, entry.seq, where, v, trimmed=bool(v.trimmed))
        prev_mac = entry.mac
        v.seq, v.chain, v.events = entry.seq, link(v.chain, entry.mac), v.events + 1
        if checkpoint and entry.seq == checkpoint["seq"]:
            at_checkpoint = (v.chain, entry.body.get("at"))
    if newest_seq <= head[0] and (v.seq, prev_mac) != head:
        v.tampered.append(f"the stream ends at seq {v.seq} but the head says seq {head[0]} (tail deleted?)")
    vetted = 0
    if checkpoint:
        # A checkpoint is only written after a verification (gaps up to it were absent or accepted).
        vetted = checkpoint["seq"] if _against_checkpoint(checkpoint, at_checkpoint, v) else 0
    v.lost[:0] = [finding for seq, finding in v.gaps if seq > vetted]
    return v


def _entries(audit: Audit):  # raw (id, fields) pairs in stream order
    last = "-"
    while batch := audit.redis.xrange(audit.stream, min=last, max="+", count=1000):
        yield from batch
        last = "(" + batch[-1][0].decode()


def _writer_step(
    writers: dict[str, int], body: dict[str, Any], seq: int, where: str, v: Verdict, *, trimmed: bool
) -> None:
    writer, wseq = str(body.get("writer")), body.get("wseq")
    if not isinstance(wseq, int):
        v.tampered.append(f"{where}: no writer sequence")
        return
    if trimmed and writer not in writers:  # its earlier events may be in the trimmed prefix
        writers[writer] = wseq
        return
    last = writers.get(writer, 0)
    if wseq <= last:
        v.tampered.append(
            f"{where}: writer {writer} event {wseq} repeats (replayed, or an append retried "
            "after a lost reply while another writer appended)"
        )
    elif wseq > last + 1:
        v.gaps.append(
            (seq, f"{where}: writer {writer} events {last + 1}..{wseq - 1} are missing (lost or deleted)")
        )
    writers[writer] = max(last, wseq)


def _against_checkpoint(cp: dict[str, Any], found: tuple[str, Any] | None, v: Verdict) -> bool:
    """Whether the stream holds exactly the checkpointed history up to its seq."""
    taken = cp["at"]
    if found is None:
        v.lost.append(
            f"LOST: the checkpoint taken {taken} is at seq {cp['seq']} but the stream ends at seq "
            f"{v.seq}: {cp['seq'] - v.seq} event(s) lost (a failover to a lagging replica?)"
        )
    elif found[0] != cp["chain"]:
        if found[1] and datetime.fromisoformat(found[1]) > datetime.fromisoformat(taken):
            v.lost.append(
                f"LOST: the event now at seq {cp['seq']} was written after the checkpoint taken {taken}: "
                "events were lost and the stream continued from an earlier point (a failover?)"
            )
        else:
            v.tampered.append(f"the history up to seq {cp['seq']} differs from the checkpoint taken {taken}")
    return found is not None and found[0] == cp["chain"]


def sign_checkpoint(audit: Audit, v: Verdict, *, at: datetime) -> dict[str, Any]:
    cp = {"prefix": audit.prefix, "seq": v.seq, "chain": v.chain, "at": at.isoformat(), "kid": audit.keys.kid}
    return {**cp, "sig": mac_of(audit.keys.current, json.dumps(cp, sort_keys=True))}


def latest_checkpoint(audit: Audit, path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The newest checkpoint for this stream in a JSONL file, and any forged lines found (tampering)."""
    latest, forged = None, []
    lines = path.read_text().splitlines() if path.exists() else []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            cp = json.loads(line)
            body = {k: cp[k] for k in ("prefix", "seq", "chain", "at", "kid")}
        except (ValueError, KeyError, TypeError):
            forged.append(f"{path}:{number}: not a checkpoint")
            continue
        if body["prefix"] != audit.prefix:
            continue
        key = audit.keys.for_id(str(body["kid"]))
        if key is None or not hmac.compare_digest(
            mac_of(key, json.dumps(body, sort_keys=True)), str(cp.get("sig"))
        ):
            forged.append(f"{path}:{number}: checkpoint signature invalid (forged or another key)")
            continue
        latest = body
    return latest, forged
