"""The one place a Redis client is built from `REDIS_URL`, for plain servers and Redis Sentinel alike.

Forms (the plain ones are redis-py's own, passed through unchanged):

- `redis://[:password@]host:port/db`, `rediss://…`, `unix:///path?db=0`
- `redis+sentinel://[:password@]host:26379,host2:26379/mymaster[/db][?socket_timeout=0.5]`:
  the Sentinels to ask, the monitored master's name, the database (0 by default). The password is the
  master's (`requirepass`); `?sentinel_password=` is the Sentinels' own when they have one.

A Sentinel client asks the Sentinels for the current master on every new connection, so after a
failover the same client object reaches the promoted replica; no process has to restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from redis import Redis
from redis.asyncio import BlockingConnectionPool as AsyncBlockingPool
from redis.asyncio import Redis as AsyncRedis
from redis.asyncio.sentinel import Sentinel as AsyncSentinel
from redis.driver_info import DriverInfo
from redis.sentinel import Sentinel, SentinelManagedConnection

SENTINEL_SCHEME = "redis+sentinel"
_FLOAT_OPTIONS = ("socket_timeout", "socket_connect_timeout")
# What a connection names itself to the server (CLIENT SETINFO), found once per process. Left to redis-py
# (8.x), every new connection reads the package's metadata for its version (~0.5 ms): once in every
# work horse RQ forks, before its job's first command.
DRIVER = DriverInfo()


class InvalidRedisUrl(ValueError):
    """`REDIS_URL` (or the variable named) does not describe a Redis to connect to."""


@dataclass(frozen=True)
class SentinelTarget:
    """A parsed `redis+sentinel://` URL."""

    sentinels: list[tuple[str, int]]
    service: str
    db: int = 0
    password: str | None = None
    sentinel_password: str | None = None
    options: dict[str, float] = field(default_factory=dict)


def is_sentinel(url: str) -> bool:
    return url.strip().lower().startswith(SENTINEL_SCHEME + "://")


def parse_sentinel_url(url: str, *, variable: str = "REDIS_URL") -> SentinelTarget:
    """The parts of a `redis+sentinel://` URL; `InvalidRedisUrl` naming `variable` when it is malformed."""

    def bad(why: str) -> InvalidRedisUrl:
        return InvalidRedisUrl(
            f"{variable}: {why} (expected redis+sentinel://[:password@]host:port[,host:port...]/name[/db])"
        )

    parts = urlsplit(url.strip())
    if parts.scheme.lower() != SENTINEL_SCHEME:
        raise bad(f"scheme is {parts.scheme!r}, not {SENTINEL_SCHEME!r}")
    credentials, _, hosts = parts.netloc.rpartition("@")
    password = unquote(credentials.partition(":")[2]) if credentials else None
    sentinels = [_host_port(item, bad) for item in hosts.split(",")]
    path = [p for p in parts.path.split("/") if p]
    if not path:
        raise bad("no master name")
    if len(path) > 2:
        raise bad(f"too many path parts in {parts.path!r}")
    db = 0
    if len(path) == 2:
        if not path[1].isdigit():
            raise bad(f"database {path[1]!r} is not a number")
        db = int(path[1])
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    options: dict[str, float] = {}
    for name in _FLOAT_OPTIONS:
        if name in query:
            try:
                options[name] = float(query.pop(name))
            except ValueError:
                raise bad(f"{name} is not a number") from None
    sentinel_password = query.pop("sentinel_password", None)
    if query:
        raise bad(f"unknown option(s) {', '.join(sorted(query))}")
    return SentinelTarget(sentinels, unquote(path[0]), db, password or None, sentinel_password, options)


def _host_port(item: str, bad: Any) -> tuple[str, int]:
    host, sep, port = item.strip().rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise bad(f"sentinel address {item!r} is not host:port")
    return host.strip("[]"), int(port)


def _sentinel_args(target: SentinelTarget, kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(keyword arguments for the Sentinel connections, for the master's connections)."""
    master = {**target.options, **kwargs, "db": target.db}
    if target.password:
        master["password"] = target.password
    sentinel = {k: v for k, v in master.items() if k in (*_FLOAT_OPTIONS, "driver_info")}
    if target.sentinel_password:
        sentinel["password"] = target.sentinel_password
    return sentinel, master


class _SentinelConnection(SentinelManagedConnection):
    """redis-py's sync Sentinel connection keeps a connection whose read was interrupted (its default is
    `disconnect_on_error=False`, unlike the plain and the asyncio ones): a signal that stops RQ's blocking
    pop leaves the pop's late answer to be read by the next command, and the worker's last pipeline fails
    ("Wrong number of response items"). Disconnecting, as a plain connection does, keeps replies in step."""

    def read_response(self, disable_decoding: bool = False, **kwargs: Any) -> Any:
        kwargs.setdefault("disconnect_on_error", True)  # pub/sub reads still pass False themselves
        return super().read_response(disable_decoding, **kwargs)


def redis_from_url(url: str, *, variable: str = "REDIS_URL", **kwargs: Any) -> Redis:
    """A client for `url`: `Redis.from_url` for plain URLs, the Sentinel-managed master otherwise."""
    kwargs.setdefault("driver_info", DRIVER)
    if not is_sentinel(url):
        return Redis.from_url(url, **kwargs)
    target = parse_sentinel_url(url, variable=variable)
    sentinel_kwargs, master = _sentinel_args(target, kwargs)
    sentinel = Sentinel(target.sentinels, sentinel_kwargs=sentinel_kwargs)
    return sentinel.master_for(target.service, connection_class=_SentinelConnection, **master)


def async_redis_from_url(url: str, *, variable: str = "REDIS_URL", **kwargs: Any) -> AsyncRedis:
    """The asyncio twin of `redis_from_url` (the Slack inbox's client). A plain URL's pool makes a request
    wait for a free connection: redis-py's asyncio pool refuses one past 100 in flight ("Too many
    connections"), which under a burst answered Slack 500s from the ack path."""
    kwargs.setdefault("driver_info", DRIVER)
    if not is_sentinel(url):
        return AsyncRedis.from_pool(AsyncBlockingPool.from_url(url, **kwargs))
    target = parse_sentinel_url(url, variable=variable)
    sentinel_kwargs, master = _sentinel_args(target, kwargs)
    sentinel = AsyncSentinel(target.sentinels, sentinel_kwargs=sentinel_kwargs)
    return sentinel.master_for(target.service, **master)
