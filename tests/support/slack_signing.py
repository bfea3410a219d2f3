"""Sign test requests the way Slack signs requests to the bot (docs: "Verifying requests from Slack").

Bolt rejects unsigned or stale requests with 401, so HTTP-level tests must send these headers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlencode


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Headers for ``body``: v0=hex(HMAC-SHA256(secret, "v0:<timestamp>:<body>")).

    ``timestamp`` defaults to now; Bolt refuses timestamps older than five minutes.
    """
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + ts.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


def form_body(payload: dict[str, Any]) -> bytes:
    """Interactivity body (block_actions, view_submission, shortcuts): one form field ``payload=<json>``."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def command_body(fields: dict[str, str]) -> bytes:
    """Slash command body: the fields themselves, form-encoded (no ``payload`` wrapper)."""
    return urlencode(fields).encode()
