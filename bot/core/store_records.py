"""JSON records in Redis under the deployment's prefix, read and changed optimistically: a compare-and-set
script on one record (bot/core/atomic.py), WATCH/MULTI where other keys must not change. The base of
`Store` (bot/core/store.py) and its parts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from pydantic import BaseModel
from redis import Redis
from redis.exceptions import WatchError

from bot.core.atomic import Records
from bot.core.errors import NotFound

M = TypeVar("M", bound=BaseModel)


class KeyedRecords:
    def __init__(self, *, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self.records = Records(redis, prefix=prefix)  # compare-and-set over the bytes last seen

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def _get(self, key: str, cls: type[M]) -> M | None:
        raw = self.redis.get(key)
        if raw is None:
            return None
        self.records.saw(key, raw)
        return cls.model_validate_json(raw)

    def _mutate(self, key: str, cls: type[M], change: Callable[[M], M], *, watch: Iterable[str] = ()) -> M:
        """Optimistic read-modify-write: `change` may raise to abort; one writer wins each round. With
        other keys to `watch`, a WATCH/MULTI round (a change of theirs aborts it); else a compare-and-set."""
        watch = list(watch)
        if not watch:
            swapped = self.records.swap(key, cls, change)
            assert swapped is not None
            return swapped[0]
        while True:
            with self.redis.pipeline() as pipe:
                try:
                    pipe.watch(key, *watch)
                    raw = pipe.get(key)
                    if raw is None:
                        raise NotFound(f"no such record {key.removeprefix(self.prefix + ':')}")
                    updated = change(cls.model_validate_json(raw))
                    pipe.multi()
                    pipe.set(key, new := updated.model_dump_json())
                    pipe.execute()
                    self.records.saw(key, new)
                    return updated
                except WatchError:
                    continue
