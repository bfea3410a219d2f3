"""One redactor for everything shown to a person, stored for people, logged or given to a model.

It removes, in this order: the exact values of configured secrets (settings' SecretStr fields, MCP `env`
and `headers`, secret-named environment variables), values under secret-looking keys (a JSON
`"db_password": "…"`, `password=…`, YAML, dict keys in nested data), and known token shapes. What executes
keeps the real values: callers redact the copy they show or store, never the arguments they run.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from bot.core.defang import defang
from bot.core.secret_shapes import (
    MASK,
    SECRET_KEY_VALUE,
    SECRET_NEAR_WORD,
    SHAPES,
    is_secret_key,
    looks_like_token,
)

__all__ = ["MASK", "SHAPES_ONLY", "Redactor", "is_secret_key", "redact", "redact_value"]

_MIN_VALUE = 4  # a shorter configured "secret" would mask ordinary words everywhere
_MIN_ENV_VALUE = 8
_SHORT = 200  # texts up to this length are cached per redactor


def _variants(value: str) -> set[str]:
    """The forms a value takes on the way out: as typed, JSON-escaped, after the defang of model text."""
    return {value, json.dumps(value, ensure_ascii=False)[1:-1], defang(value)}


class Redactor:
    """Built once per runtime (`Redactor.from_config`); immutable, so any thread or job may share it."""

    def __init__(self, *, values: Iterable[str] = ()) -> None:
        forms = {
            form for v in values if len(v) >= _MIN_VALUE for form in _variants(v) if len(form) >= _MIN_VALUE
        }
        self.values = frozenset(forms)
        # Longest first, so a secret that contains another is masked whole.
        alternation = "|".join(re.escape(v) for v in sorted(forms, key=len, reverse=True))
        self._exact = re.compile(alternation) if alternation else None
        # Pure and immutable, so short texts (keys, ids, tool names, repeated field values) are remembered.
        self._short = functools.lru_cache(maxsize=4096)(self._text)

    @classmethod
    def from_config(
        cls, *, settings: Any, workers: Mapping[str, Any] = {}, environ: Mapping[str, str] = {}
    ) -> Redactor:
        return cls(values=configured_secrets(settings=settings, workers=workers, environ=environ))

    def text(self, text: str) -> str:
        """Idempotent: a second pass changes nothing (checked by the property tests)."""
        return self._short(text) if len(text) <= _SHORT else self._text(text)

    def _text(self, text: str) -> str:
        for _ in range(3):  # one pass nearly always settles; the loop makes idempotence hold by construction
            done = self._once(text)
            if done == text:
                break
            text = done
        return text

    def _once(self, text: str) -> str:
        if self._exact is not None:
            text = self._exact.sub(MASK, text)
        text = SECRET_KEY_VALUE.sub(_mask_key_value, text)
        for shape in SHAPES:
            text = shape.sub(MASK, text)
        return SECRET_NEAR_WORD.sub(lambda m: m.group(0)[: m.start("value") - m.start()] + MASK, text)

    def value(self, value: Any) -> Any:
        """Nested data (arguments, tool results, audit fields): secret-named keys lose their whole value."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {
                self.text(str(k)) if isinstance(k, str) else k: MASK if _hidden(k, v) else self.value(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value


def _hidden(key: Any, value: Any) -> bool:
    return (
        isinstance(key, str)
        and is_secret_key(key)
        and value not in (None, "", MASK)
        and not isinstance(value, bool)
    )


def _mask_key_value(match: re.Match[str]) -> str:
    if not is_secret_key(match.group("name")):
        return match.group(0)
    value = match.group("value")
    quote = '\\"' if value.startswith('\\"') else value[0] if value[0] in "\"'" else ""
    return match.group(0)[: match.start("value") - match.start()] + f"{quote}{MASK}{quote}"


def configured_secrets(*, settings: Any, workers: Mapping[str, Any], environ: Mapping[str, str]) -> set[str]:
    """Exact values to mask: every SecretStr setting, MCP headers, secret-looking MCP env and process env."""
    found: set[str] = set()
    for name in type(settings).model_fields:
        secret = getattr(settings, name, None)
        if hasattr(secret, "get_secret_value"):
            found.add(secret.get_secret_value())
    for worker in workers.values():
        for integration in getattr(worker, "integrations", {}).values():
            for key, value in getattr(integration, "headers", {}).items():
                found |= {value, *_credential_parts(value)} if key.lower() != "content-type" else set()
            for key, value in getattr(integration, "env", {}).items():
                if is_secret_key(key) or looks_like_token(value):
                    found.add(value)
    for key, value in environ.items():
        if is_secret_key(key) and len(value) >= _MIN_ENV_VALUE:
            found.add(value)
    return {v for v in found if v and len(v) >= _MIN_VALUE}


def _credential_parts(header: str) -> set[str]:
    """ "Bearer abc…" also hides "abc…" alone: a model echoes the token without its scheme."""
    scheme, _, credential = header.partition(" ")
    return {credential.strip()} if scheme and credential.strip() else set()


SHAPES_ONLY = Redactor()  # immutable: no configured values, for code without a runtime


def redact(text: str) -> str:
    """Keys and token shapes only, for code that has no runtime (an MCP server's log, a stray script)."""
    return SHAPES_ONLY.text(text)


def redact_value(value: Any) -> Any:
    return SHAPES_ONLY.value(value)
