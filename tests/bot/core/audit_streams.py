"""Audit streams for tests: fill one, read its raw entries, forge it as someone with only Redis access."""

from __future__ import annotations

import hashlib
import json

from bot.core.audit import Audit


def filled(rt, n: int = 5) -> Audit:
    for i in range(n):
        rt.audit.record("test.event", actor=f"U{i}", worker="support-triage", n=i)
    return rt.audit


def entries(audit: Audit) -> list[tuple[bytes, dict[bytes, bytes]]]:
    return audit.redis.xrange(audit.stream)


def rewrite(audit: Audit, new: list[dict[bytes, bytes]], *, renumber: bool = True) -> None:
    """What an attacker with Redis access can do: replace the stream, renumber `seq`, relink `prev`, set the
    head to match, all without the key."""
    audit.redis.delete(audit.stream)
    prev = "0" * 64
    for seq, fields in enumerate(new, 1):
        fields = dict(fields)
        if renumber:
            fields[b"seq"], fields[b"prev"] = str(seq).encode(), prev.encode()
        audit.redis.xadd(audit.stream, fields)
        prev = fields[b"mac"].decode()
    audit.redis.set(audit.head, f"{len(new)}:{prev}")


def edited(fields: dict[bytes, bytes], **changes: object) -> dict[bytes, bytes]:
    body = {**json.loads(fields[b"event"]), **changes}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    # Without the key the best an attacker can do is a plain hash where the MAC goes.
    return {**fields, b"event": text.encode(), b"mac": hashlib.sha256(text.encode()).hexdigest().encode()}
