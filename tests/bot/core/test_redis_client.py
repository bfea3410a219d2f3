"""REDIS_URL parsing: plain URLs pass through to redis-py, `redis+sentinel://` builds a Sentinel client."""

from __future__ import annotations

import pytest
from redis import Redis
from redis import utils as redis_utils
from redis.asyncio import BlockingConnectionPool as AsyncBlockingPool
from redis.asyncio import Redis as AsyncRedis
from redis.connection import Connection
from redis.sentinel import SentinelConnectionPool

from bot.commands.common import redis_or_exit
from bot.core.redis_client import (
    DRIVER,
    InvalidRedisUrl,
    SentinelTarget,
    async_redis_from_url,
    parse_sentinel_url,
    redis_from_url,
)
from bot.core.settings import Settings


def test_full_form() -> None:
    target = parse_sentinel_url(
        "redis+sentinel://:s3cr%40t@h1:26379,h2:26380/mymaster/3?socket_timeout=0.5&sentinel_password=sp"
    )
    assert target == SentinelTarget(
        sentinels=[("h1", 26379), ("h2", 26380)],
        service="mymaster",
        db=3,
        password="s3cr@t",
        sentinel_password="sp",
        options={"socket_timeout": 0.5},
    )


def test_db_defaults_to_zero_and_ipv6_brackets() -> None:
    target = parse_sentinel_url("REDIS+SENTINEL://[::1]:26379/m")
    assert (target.sentinels, target.service, target.db, target.password) == ([("::1", 26379)], "m", 0, None)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("redis+sentinel://h1:26379", "no master name"),
        ("redis+sentinel://h1:26379/", "no master name"),
        ("redis+sentinel://h1/mymaster", "not host:port"),
        ("redis+sentinel://h1:26379,/mymaster", "not host:port"),
        ("redis+sentinel://h1:99999/mymaster", "not host:port"),
        ("redis+sentinel://h1:26379/mymaster/x", "not a number"),
        ("redis+sentinel://h1:26379/mymaster/0/extra", "too many path parts"),
        ("redis+sentinel://h1:26379/mymaster?socket_timeout=soon", "socket_timeout is not a number"),
        ("redis+sentinel://h1:26379/mymaster?retries=3", "unknown option(s) retries"),
        ("redis://h1:6379/0", "not 'redis+sentinel'"),
    ],
)
def test_bad_forms_name_the_variable(url: str, why: str) -> None:
    with pytest.raises(InvalidRedisUrl) as err:
        parse_sentinel_url(url, variable="REDIS_URL")
    assert str(err.value).startswith("REDIS_URL: ") and why in str(err.value)


def test_plain_urls_are_redis_pys() -> None:
    client = redis_from_url("redis://127.0.0.1:6390/2", socket_timeout=1.5)
    assert type(client) is Redis
    assert client.connection_pool.connection_kwargs["db"] == 2
    assert client.connection_pool.connection_kwargs["socket_timeout"] == 1.5
    client = async_redis_from_url("redis://127.0.0.1:6390/2")
    assert type(client) is AsyncRedis
    assert isinstance(client.connection_pool, AsyncBlockingPool)  # a burst waits for a connection


def test_sentinel_url_builds_a_master_client_without_connecting() -> None:
    client = redis_from_url("redis+sentinel://:pw@127.0.0.1:1,127.0.0.1:2/mymaster/4?socket_timeout=0.25")
    pool = client.connection_pool
    assert isinstance(pool, SentinelConnectionPool) and pool.service_name == "mymaster"
    assert pool.connection_kwargs["db"] == 4 and pool.connection_kwargs["password"] == "pw"
    assert pool.connection_kwargs["socket_timeout"] == 0.25
    sentinels = pool.sentinel_manager.sentinels
    assert [s.connection_pool.connection_kwargs["port"] for s in sentinels] == [1, 2]
    assert sentinels[0].connection_pool.connection_kwargs.get("password") is None  # not the master's


def test_an_interrupted_read_drops_a_sentinel_connection_as_it_drops_a_plain_one(monkeypatch) -> None:
    """A SIGTERM that stops RQ's blocking pop must not leave the pop's late answer on a pooled connection
    (redis-py's sync Sentinel connection keeps it by default; the worker's last pipeline then failed)."""
    client = redis_from_url("redis+sentinel://127.0.0.1:1/mymaster")
    connection = client.connection_pool.make_connection()
    seen: list[object] = []
    monkeypatch.setattr(
        Connection, "read_response", lambda self, *a, **kw: seen.append(kw["disconnect_on_error"])
    )
    connection.read_response()
    connection.read_response(disconnect_on_error=False)  # pub/sub's own choice stands
    assert seen == [True, False]


def test_async_sentinel_client() -> None:
    client = async_redis_from_url("redis+sentinel://127.0.0.1:1/mymaster/1")
    assert client.connection_pool.service_name == "mymaster"
    assert client.connection_pool.connection_kwargs["db"] == 1


def test_bad_url_reaches_redis_or_exit_as_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        redis_or_exit(Settings(REDIS_URL="redis+sentinel://h1/mymaster"), "worker")
    assert exit_.value.code == 2
    assert "missionbot worker: REDIS_URL: sentinel address 'h1'" in capsys.readouterr().err


async def test_a_new_connection_names_its_driver_without_reading_package_metadata(redis_url, monkeypatch):
    """redis-py reads its package's metadata for every new connection unless told its version (~0.5 ms:
    once in every work horse RQ forks); the name and version it sends (CLIENT SETINFO) stay redis-py's."""
    read: list[str] = []
    real = redis_utils.metadata.version
    monkeypatch.setattr(redis_utils.metadata, "version", lambda name: read.append(name) or real(name))
    client, aclient = redis_from_url(redis_url), async_redis_from_url(redis_url)
    fresh = [client.connection_pool.make_connection() for _ in range(3)]
    try:
        for connection in fresh:
            connection.connect()
        assert await aclient.ping()
        sent = [c.driver_info for c in fresh] + [
            c.driver_info for c in aclient.connection_pool._in_use_connections
        ]
        sent += [c.driver_info for c in aclient.connection_pool._available_connections]
        assert {(d.formatted_name, d.lib_version) for d in sent} == {("redis-py", real("redis"))}
        assert len(sent) == 4
    finally:
        for connection in fresh:
            connection.disconnect()
        await aclient.aclose()
    assert read == []
    sentinel = redis_from_url("redis+sentinel://127.0.0.1:1/mymaster").connection_pool
    assert sentinel.connection_kwargs["driver_info"] is DRIVER
    assert sentinel.sentinel_manager.sentinels[0].connection_pool.connection_kwargs["driver_info"] is DRIVER
