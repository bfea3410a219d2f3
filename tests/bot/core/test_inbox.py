"""The inbox (bot/core/inbox.py): an append is durable and already delivered to its process; `done` takes
it out; what a dead process left pending is claimed once it has been idle long enough, and only then."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis as AsyncRedis
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.core.inbox import GROUP, Inbox


@pytest.fixture
async def aredis(redis_url: str) -> AsyncIterator[AsyncRedis]:
    client = AsyncRedis.from_url(redis_url)
    yield client
    await client.aclose()


def inbox_of(redis, prefix: str, aredis: AsyncRedis | None, consumer: str) -> Inbox:
    return Inbox(redis=redis, prefix=prefix, aredis=aredis, consumer=consumer)


async def test_an_append_is_pending_for_its_own_process_until_done(redis, prefix, aredis):
    inbox = inbox_of(redis, prefix, aredis, "serve-1")
    entry = await inbox.append("request", {"text": "ESC-1042 please", "thread": ""})
    assert (entry.kind, entry.fields) == ("request", {"text": "ESC-1042 please", "thread": ""})
    [pending] = redis.xpending_range(inbox.stream, GROUP, "-", "+", 10)
    assert (pending["message_id"].decode(), pending["consumer"].decode()) == (entry.id, "serve-1")
    await inbox.done(entry)
    assert inbox.pending() == 0 and redis.xlen(inbox.stream) == 0  # acked and gone from the stream


async def test_interleaved_appends_are_each_delivered_to_their_own_appender(redis, prefix, aredis):
    one, two = inbox_of(redis, prefix, aredis, "one"), inbox_of(redis, prefix, aredis, "two")
    entries = await asyncio.gather(
        *(box.append("click", {"n": str(i)}) for i, box in enumerate([one, two] * 5))
    )
    owners = {
        p["message_id"].decode(): p["consumer"].decode()
        for p in redis.xpending_range(one.stream, GROUP, "-", "+", 100)
    }
    assert owners == {e.id: ("one" if int(e.fields["n"]) % 2 == 0 else "two") for e in entries}


async def test_only_entries_idle_past_the_grace_are_claimed_and_only_once(redis, prefix, aredis):
    dead = inbox_of(redis, prefix, aredis, "dead-serve")
    entry = await dead.append("request", {"text": "hello"})
    sweeper = inbox_of(redis, prefix, None, "recovery")
    assert sweeper.claim_stale(idle_ms=500) == []  # its process may still be handling it
    time.sleep(0.6)
    [claimed] = sweeper.claim_stale(idle_ms=500)
    assert (claimed.id, claimed.kind, claimed.fields) == (entry.id, "request", {"text": "hello"})
    assert sweeper.claim_stale(idle_ms=500) == []  # claiming reset its idle time
    sweeper.done_sync(claimed)
    time.sleep(0.6)
    assert sweeper.claim_stale(idle_ms=500) == [] and sweeper.pending() == 0


def test_an_empty_inbox_has_nothing_to_claim(redis, prefix):
    sweeper = inbox_of(redis, prefix, None, "recovery")
    assert sweeper.claim_stale(idle_ms=0) == [] and sweeper.pending() == 0


async def test_an_append_redis_does_not_take_raises(redis, prefix):
    down = AsyncRedis.from_url("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        with pytest.raises(RedisConnectionError):
            await inbox_of(redis, prefix, down, "serve-1").append("request", {"text": "x"})
    finally:
        await down.aclose()


async def test_an_inbox_without_an_asyncio_client_cannot_append(redis, prefix):
    with pytest.raises(RuntimeError):
        await inbox_of(redis, prefix, None, "recovery").append("request", {"text": "x"})
