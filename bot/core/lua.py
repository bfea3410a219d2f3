"""Lua scripts registered once per Redis client: `register_script` hashes the body (SHA-1) on every call,
which a hot path (every submit, every tool call) pays for nothing."""

from __future__ import annotations

import weakref

from redis import Redis
from redis.commands.core import Script

_registered: weakref.WeakKeyDictionary[Redis, dict[str, Script]] = weakref.WeakKeyDictionary()


def script(redis: Redis, body: str) -> Script:
    """`redis.register_script(body)`, kept for the client's lifetime. A Script holds no per-call state (its
    SHA is reloaded on NOSCRIPT), so threads sharing the client may share it."""
    scripts = _registered.get(redis)
    if scripts is None:
        scripts = _registered.setdefault(redis, {})
    found = scripts.get(body)
    if found is None:
        found = scripts[body] = redis.register_script(body)
    return found
