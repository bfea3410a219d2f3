"""At most once per idempotency key: the demo backends' side effects and their key commit together."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from redis import Redis
from redis.exceptions import WatchError

Apply = Callable[[Any, int], dict[str, Any]]  # (pipeline in MULTI, sequence number) -> result


def once(redis: Redis, namespace: str, key: str | None, apply: Apply) -> dict[str, Any]:
    """Run `apply` inside one MULTI with the key's record (WATCH, retried on conflict); a repeat with
    the same key returns the first result marked `replayed` and changes nothing."""
    idem = f"{namespace}:idem:{key}"
    while True:
        with redis.pipeline() as pipe:
            try:
                pipe.watch(idem)
                done = pipe.get(idem)
                if done is not None:
                    return {**json.loads(done), "replayed": True}
                n = int(redis.incr(f"{namespace}:seq"))
                pipe.multi()
                result = apply(pipe, n)
                if key is not None:
                    pipe.set(idem, json.dumps(result))
                pipe.execute()
                return result
            except WatchError:
                continue
