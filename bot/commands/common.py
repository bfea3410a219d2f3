"""Helpers the subcommands share: settings, the config directory, a Redis connection."""

from __future__ import annotations

import sys
from pathlib import Path

from redis import Redis

from bot.config import WorkerConfig, load_workers
from bot.errors import ConfigError
from bot.settings import Settings

REPO_CONFIGS = Path(__file__).resolve().parents[2] / "worker_configs"


def config_dir(settings: Settings, override: str | None = None) -> Path:
    """The configured directory; the bundled examples when the default is absent (running from elsewhere)."""
    if override:
        return Path(override)
    if settings.config_dir == Path("worker_configs") and not settings.config_dir.is_dir():
        return REPO_CONFIGS
    return settings.config_dir


def workers_or_exit(settings: Settings, override: str | None = None) -> dict[str, WorkerConfig]:
    try:
        return load_workers(config_dir(settings, override))
    except ConfigError as err:
        for issue in err.issues:
            print(issue, file=sys.stderr)
        sys.exit(1)


def redis_or_exit(settings: Settings, command: str) -> Redis:
    if not settings.redis_url:
        print(f"missionbot {command}: REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0). "
              "`missionbot demo` and `missionbot shell` start an embedded Redis instead.", file=sys.stderr)
        sys.exit(2)
    return Redis.from_url(settings.redis_url)


def process_runtime(settings: Settings, command: str):  # noqa: ANN201 - bot.runtime.Runtime
    """The runtime a long-running process (serve, worker, scheduler) builds: Redis required, real messengers."""
    from bot import runtime
    from bot.platforms import default_messengers

    redis = redis_or_exit(settings, command)
    workers = workers_or_exit(settings, str(config_dir(settings)))
    return runtime.create_runtime(settings=settings, redis=redis, workers=workers,
                                  messengers=default_messengers(settings=settings, redis=redis))
