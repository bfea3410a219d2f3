"""What a secret looks like without knowing its value: secret-looking key names and known token shapes.

Used by `bot.core.redact.Redactor`; kept apart so the patterns can be read (and extended) in one place.
"""

from __future__ import annotations

import functools
import re

MASK = "[redacted]"

# Whole name components (split on `_`, `-`, `.`, camelCase): "total_tokens" is a count, "token" a secret.
_WORDS = {
    "secret",
    "secrets",
    "token",
    "pwd",
    "pass",
    "auth",
    "authorization",
    "cookie",
    "signature",
    "bearer",
    "jwt",
    "otp",
    "passcode",
}
_INFIXES = (
    "password",
    "passwd",
    "passphrase",
    "apikey",
    "privatekey",
    "accesskey",
    "secretkey",
    "credential",
)
_SUFFIXES = ("secret", "token")  # clientsecret, accesstoken, refreshtoken
_PAIRS = {
    ("api", "key"),
    ("private", "key"),
    ("access", "key"),
    ("secret", "key"),
    ("signing", "key"),
    ("encryption", "key"),
    ("master", "key"),
    ("session", "key"),
    ("account", "key"),
}
_PARTS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


@functools.lru_cache(maxsize=4096)  # pure; the same few field names come by for every event and result
def is_secret_key(name: str) -> bool:
    """`db_password`, `X-Api-Key`, `clientSecret`, `Authorization`: yes. `tokens`, `key`, `author`: no."""
    parts = [p.lower() for p in _PARTS.findall(name)]
    if any(p in _WORDS or p.endswith(_SUFFIXES) or any(i in p for i in _INFIXES) for p in parts):
        return True
    return any(pair in _PAIRS for pair in zip(parts, parts[1:], strict=False)) or "".join(parts) in {
        "apikey",
        "privatekey",
        "accesskey",
    }


def looks_like_token(value: str) -> bool:
    """A random-looking value (an MCP `env` value under an innocent name may still be a credential)."""
    return (
        len(value) >= 16
        and not re.search(r"\s|://", value)
        and not value.startswith(("/", "."))
        and bool(re.search(r"\d", value))
        and bool(re.search(r"[A-Za-z]", value))
    )


_HINT = r"(?=[\w.-]*(?i:pass|pwd|secret|token|key|auth|credential|cookie|signature|bearer|jwt|otp))"
# `name: value`, `name=value`, `"name": "value"`, `\"name\": \"value\"` (JSON inside a JSON string),
# `Authorization: Bearer value`. Unquoted values stop at separators (`&` only before `name=`), never start at
# a mask.
SECRET_KEY_VALUE = re.compile(
    r"(?<![\w-])\\?[\"']?" + _HINT + r"(?P<name>[A-Za-z][\w.-]{0,80})\\?[\"']?[ \t]*(?::|=>?)[ \t]*"
    r"(?P<value>\\\"(?:[^\"\\]|\\[^\"])*\\\"|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'"
    r"|(?!\[redacted\])(?:(?i:bearer|basic|token|digest)[ \t]+)?(?:[^\s\"',;&}\]\[<>]|&(?![\w.-]+=))+)"
)

# A long random value shortly after a secret-ish word: "signing secret is 8f14e45f…", "api key: Zm9v…".
SECRET_NEAR_WORD = re.compile(
    r"(?i:\b(?:secret|token|key|password|passwd|signature|signing|credential|hmac|api|auth)\w*)[^\n]{0,40}?"
    r"(?<![\w/+=-])(?P<value>(?i:[0-9a-f]{32,})"
    r"|(?=[\w+/-]*\d)(?=[\w+/-]*[a-z])(?=[\w+/-]*[A-Z])[A-Za-z0-9+/_-]{24,}={0,2})(?![\w/+=-])"
)

SHAPES = [
    re.compile(
        r"-----BEGIN[ A-Z]*PRIVATE KEY-----(?:[\s\S]*?-----END[ A-Z]*PRIVATE KEY-----|[A-Za-z0-9+/=\s\\]*)"
    ),
    re.compile(r"(?:xoxe\.)?xox[abposre]-[A-Za-z0-9-]{10,}"),  # Slack tokens
    re.compile(r"xapp-[A-Za-z0-9-]{10,}"),  # Slack app-level tokens
    re.compile(r"(?i:https?://)?hooks\.slack\.com/services/[A-Za-z0-9/_-]+"),  # Slack webhooks
    re.compile(r"\bsk-(?:proj-|ant-(?:api\d\d-)?|svcacct-|admin-)?[A-Za-z0-9_-]{16,}"),  # OpenAI / Anthropic
    re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16}\b"),  # AWS access key ids
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),  # GitHub tokens
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}"),  # GitHub fine-grained tokens
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),  # Google API keys
    re.compile(r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}"),  # Stripe keys
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}=*"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),  # JWTs
    re.compile(r"(?<=://)[^/\s:@]*:[^/\s@]+(?=@)"),  # the password in scheme://user:password@host
]
