"""The version of a worker's config, for the audit: decisions name it, a changed one is recorded once.

The version is a SHA-256 over the canonical JSON of the loaded (validated) config, so formatting and
comments in the YAML do not change it, and every process that loaded the same rules reports the same one.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from bot.core.config import WorkerConfig

if TYPE_CHECKING:
    from bot.core.runtime import Runtime


def config_version(worker: WorkerConfig) -> str:
    canonical = json.dumps(worker.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def record_config_versions(rt: Runtime, *, actor: str) -> list[str]:
    """Audit each worker whose loaded config differs from the last one seen (kept per worker in Redis).

    SET ... GET swaps the version atomically, so of several processes starting with the same new config
    exactly one sees the old version and records the change; a restart with the same config records nothing.
    """
    changed = []
    for name, worker in sorted(rt.workers.items()):
        new = config_version(worker)
        old = rt.redis.set(f"{rt.settings.key_prefix}:audit:config:{name}", new, get=True)
        old = old.decode() if old else None
        if old == new:
            continue
        kind = "config.loaded" if old is None else "config.changed"
        rt.audit.record(kind, actor=actor, worker=name, old_version=old, config_version=new)
        changed.append(name)
    return changed


def version_of(rt: Runtime, worker: str) -> str | None:
    """The version of the config in force for `worker` in this process
    (None for a worker it does not know)."""
    config = rt.workers.get(worker)
    return config_version(config) if config is not None else None
