"""Retention for the audit stream: drop the oldest events, but only those an outside checkpoint covers.

- `audit checkpoint` also stores its signed line in Redis (`<prefix>:audit:covered`): the newest head a
  checkpoint outside Redis anchors. Only events up to it may go; the rest are not yet vouched for.
- `trim` verifies the stream (against that checkpoint), then, in one transaction, writes a signed trim
  marker (`<prefix>:audit:trimmed`: the last dropped event's seq and MAC and the chain hash up to it) and
  XTRIMs the events up to that seq. `verify` starts from the marker, so the kept events still link, and a
  plain `verify` says the stream starts after a trimmed prefix instead of reporting a jump.
- This module holds the markers (read by `audit_verify`); `audit_retention` runs the trim.
- Both markers are MACed with the audit key: someone with only Redis write access cannot forge a trim
  (an unsigned or altered marker is TAMPERED). What a trim gives up: a writer whose first kept event is
  not its first is not checked for a gap before it (its earlier events may have been trimmed); the `seq`
  and `prev` links still are.
"""

from __future__ import annotations

import hmac
import json
from typing import TYPE_CHECKING, Any

from bot.core.audit import mac_of

if TYPE_CHECKING:
    from bot.core.audit import Audit

CHECKPOINT_FIELDS = ("prefix", "seq", "chain", "at", "kid")
TRIM_FIELDS = ("prefix", "seq", "chain", "mac", "at", "kid", "trimmed_at")


def covered_key(audit: Audit) -> str:
    return f"{audit.stream}:covered"


def trimmed_key(audit: Audit) -> str:
    return f"{audit.stream}:trimmed"


def sign(audit: Audit, body: dict[str, Any]) -> dict[str, Any]:
    return {**body, "sig": mac_of(audit.keys.current, json.dumps(body, sort_keys=True))}


def signed_body(audit: Audit, raw: str | bytes, fields: tuple[str, ...]) -> dict[str, Any] | None:
    """The signed record's body when its MAC checks out under a key we hold, else None (forged)."""
    try:
        record = json.loads(raw)
        body = {k: record[k] for k in fields}
    except (ValueError, KeyError, TypeError):
        return None
    key = audit.keys.for_id(str(body["kid"]))
    if key is None or not hmac.compare_digest(
        mac_of(key, json.dumps(body, sort_keys=True)), str(record.get("sig"))
    ):
        return None
    return body if body["prefix"] == audit.prefix else None


def covered(audit: Audit) -> dict[str, Any] | None:
    """The checkpoint `audit checkpoint` last recorded in Redis, if its signature holds."""
    raw = audit.redis.get(covered_key(audit))
    return signed_body(audit, raw, CHECKPOINT_FIELDS) if raw else None


def trim_base(audit: Audit) -> tuple[dict[str, Any] | None, bool]:
    """The trim marker the stream starts after (None: never trimmed), and whether a marker is forged."""
    raw = audit.redis.get(trimmed_key(audit))
    if not raw:
        return None, False
    body = signed_body(audit, raw, TRIM_FIELDS)
    return body, body is None
