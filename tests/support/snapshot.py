"""A deployment's Redis keys as readable JSON, and back: for fixtures of data an earlier release wrote.

Every key that carries the prefix (ours and RQ's) is kept by type; text stays text, anything else (RQ's
compressed job payload) is base64. The prefix is written as `{prefix}` so a test loads it under its own.
TTLs are not kept: a fixture is loaded long after it was made.
"""

from __future__ import annotations

import base64
from typing import Any

from redis import Redis

MARK = "{prefix}"


def _out(raw: bytes, prefix: str) -> str | dict[str, str]:
    try:
        return raw.decode().replace(prefix, MARK)
    except UnicodeDecodeError:
        return {"b64": base64.b64encode(raw).decode()}


def _in(value: str | dict[str, str], prefix: str) -> bytes:
    return base64.b64decode(value["b64"]) if isinstance(value, dict) else value.replace(MARK, prefix).encode()


def dump(redis: Redis, prefix: str) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for key in sorted(redis.scan_iter(match=f"*{prefix}*", count=1000)):
        kind, name = redis.type(key).decode(), key.decode().replace(prefix, MARK)
        if kind == "string":
            keys[name] = {"string": _out(redis.get(key), prefix)}
        elif kind == "hash":
            keys[name] = {
                "hash": {f.decode(): _out(v, prefix) for f, v in sorted(redis.hgetall(key).items())}
            }
        elif kind == "list":
            keys[name] = {"list": [_out(v, prefix) for v in redis.lrange(key, 0, -1)]}
        elif kind == "set":
            keys[name] = {"set": sorted(_out(v, prefix) for v in redis.smembers(key))}
        elif kind == "zset":
            keys[name] = {
                "zset": [[_out(m, prefix), s] for m, s in redis.zrange(key, 0, -1, withscores=True)]
            }
        elif kind == "stream":
            entries = redis.xrange(key)
            keys[name] = {
                "stream": [
                    [i.decode(), {f.decode(): _out(v, prefix) for f, v in e.items()}] for i, e in entries
                ]
            }
    queues = sorted(
        q.decode().replace(prefix, MARK) for q in redis.smembers("rq:queues") if prefix in q.decode()
    )
    return {"keys": keys, "rq:queues": queues}


def load(redis: Redis, snapshot: dict[str, Any], prefix: str) -> None:
    for name, value in snapshot["keys"].items():
        key, [(kind, data)] = name.replace(MARK, prefix), value.items()
        if kind == "string":
            redis.set(key, _in(data, prefix))
        elif kind == "hash":
            redis.hset(key, mapping={f: _in(v, prefix) for f, v in data.items()})
        elif kind == "list":
            redis.rpush(key, *(_in(v, prefix) for v in data))
        elif kind == "set":
            redis.sadd(key, *(_in(v, prefix) for v in data))
        elif kind == "zset":
            redis.zadd(key, {_in(m, prefix): s for m, s in data})
        elif kind == "stream":
            for entry_id, fields in data:
                redis.xadd(key, {f: _in(v, prefix) for f, v in fields.items()}, id=entry_id)
    for queue in snapshot["rq:queues"]:
        redis.sadd("rq:queues", queue.replace(MARK, prefix))
