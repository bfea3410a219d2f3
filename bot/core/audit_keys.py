"""The audit chain's HMAC keys: from the environment or a mounted file, never from Redis.

Each event names the key that signed it by a key id (a fingerprint that does not reveal the key), so
keys can rotate: the current key signs, retired keys (MISSIONBOT_AUDIT_PREVIOUS_KEYS) still verify.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sys
from dataclasses import dataclass, field

from pydantic import SecretStr

from bot.core.settings import Settings

ENV_KEY = "MISSIONBOT_AUDIT_KEY"
MIN_LENGTH = 16
# A published key: the chain stays consistent but anyone can forge it. Only behind --insecure-audit-key.
INSECURE_KEY = b"missionbot-insecure-audit-key-anyone-can-forge-this"


class MissingAuditKey(Exception):
    pass


def key_id(key: bytes) -> str:
    return "k" + hashlib.sha256(b"missionbot-audit-key-id:" + key).hexdigest()[:12]


@dataclass(frozen=True, kw_only=True)
class AuditKeys:
    current: bytes = field(repr=False)
    previous: tuple[bytes, ...] = field(default=(), repr=False)

    @property
    def kid(self) -> str:
        return key_id(self.current)

    def for_id(self, kid: str) -> bytes | None:
        """The key that signed events with this id, if we hold it."""
        return next((key for key in (self.current, *self.previous) if key_id(key) == kid), None)

    @classmethod
    def from_settings(cls, settings: Settings) -> AuditKeys:
        key = settings.audit_key.get_secret_value().strip() if settings.audit_key else ""
        if not key and settings.audit_key_file is not None:
            try:
                key = settings.audit_key_file.read_text().strip()
            except OSError as err:
                raise MissingAuditKey(
                    f"cannot read MISSIONBOT_AUDIT_KEY_FILE {settings.audit_key_file}: {err}"
                ) from err
        if not key:
            raise MissingAuditKey(
                f"{ENV_KEY} (or MISSIONBOT_AUDIT_KEY_FILE) is not set: the audit chain's HMAC key"
            )
        if len(key) < MIN_LENGTH:
            raise MissingAuditKey(
                f"the audit key is shorter than {MIN_LENGTH} characters (use e.g. "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`)"
            )
        raw = settings.audit_previous_keys.get_secret_value() if settings.audit_previous_keys else ""
        previous = tuple(k.strip().encode() for k in raw.split(",") if k.strip())
        return cls(current=key.encode(), previous=previous)


def throwaway_key(settings: Settings, *, command: str) -> Settings:
    """Settings with an audit key: the configured one, else a fresh one for this run only, said on stderr.
    It goes into the environment too, so the processes this one starts (the demo's worker) sign alike."""
    if settings.audit_key is not None or settings.audit_key_file is not None:
        return settings
    key = secrets.token_hex(32)
    os.environ[ENV_KEY] = key
    print(
        f"missionbot {command}: using a throwaway audit key for this run (set {ENV_KEY} to verify "
        "the audit trail afterwards)",
        file=sys.stderr,
    )
    return settings.model_copy(update={"audit_key": SecretStr(key)})
