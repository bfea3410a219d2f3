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


async def test_an_unread_append_waits_for_any_reader_and_is_read_once(redis, prefix, aredis):
    """serve's handling process: the ack process appends unread; handling processes share the reads."""
    acker = inbox_of(redis, prefix, aredis, "serve-ack")
    entries = [await acker.append("request", {"n": str(i)}, deliver=False) for i in range(3)]
    assert acker.pending() == 0 and acker.backlog() == 3  # durable, owned by nobody yet
    one, two = inbox_of(redis, prefix, None, "handler-1"), inbox_of(redis, prefix, None, "handler-2")
    first, second = one.read(count=2, block_ms=None), two.read(count=2, block_ms=None)
    assert [e.id for e in first + second] == [e.id for e in entries]
    assert two.read(count=2, block_ms=None) == [] and acker.pending() == 3
    for entry in first + second:
        one.done_sync(entry)
    assert acker.backlog() == 0 and acker.pending() == 0


async def test_a_dead_readers_entries_are_adopted_at_once_and_its_name_leaves_the_group(
    redis, prefix, aredis
):
    acker = inbox_of(redis, prefix, aredis, "serve-ack")
    entry = await acker.append("click", {"proposal": "P1"}, deliver=False)
    dead = inbox_of(redis, prefix, None, "handler-dead")
    assert [e.id for e in dead.read(count=10, block_ms=None)] == [entry.id]
    heir = inbox_of(redis, prefix, None, "handler-heir")
    [adopted] = heir.adopt("handler-dead")  # no grace period: its supervisor saw it exit
    assert (adopted.id, adopted.kind, adopted.fields["proposal"]) == (entry.id, "click", "P1")
    consumers = {c["name"].decode() for c in redis.xinfo_consumers(acker.stream, GROUP)}
    assert "handler-dead" not in consumers and "handler-heir" in consumers
    assert heir.adopt("nobody") == []


async def test_unread_entries_are_read_by_the_sweep_only_once_older_than_the_grace(redis, prefix, aredis):
    """No handling process runs (serve and its child are gone): the sweep reads what nobody read."""
    acker = inbox_of(redis, prefix, aredis, "serve-ack")
    entry = await acker.append("request", {"text": "hello"}, deliver=False)
    sweeper = inbox_of(redis, prefix, None, "recovery")
    assert sweeper.claim_unread(idle_ms=500) == []  # a handling process may read it any moment
    time.sleep(0.6)
    [read] = sweeper.claim_unread(idle_ms=500)
    assert read.id == entry.id and sweeper.claim_unread(idle_ms=0) == [] and sweeper.pending() == 1


def test_a_reader_makes_the_group_again_when_redis_lost_it(redis, prefix):
    """Redis restarted empty: the first read recreates the stream's group; later appends are read."""
    reader = inbox_of(redis, prefix, None, "handler-1")
    assert reader.read(count=1, block_ms=None) == [] and reader.claim_unread(idle_ms=0) == []
    redis.xadd(reader.stream, {"kind": "request", "text": "after the restart"})
    [entry] = reader.read(count=1, block_ms=None)
    assert entry.fields == {"text": "after the restart"}


async def test_an_append_carries_the_requests_log_id_for_its_handler(redis, prefix, aredis):
    from bot.core import log_context

    acker = inbox_of(redis, prefix, aredis, "serve-ack")
    with log_context.bound(request_id="r-17"):
        await acker.append("request", {"text": "x"}, deliver=False)
    [entry] = inbox_of(redis, prefix, None, "handler-1").read(count=1, block_ms=None)
    assert entry.fields == {"text": "x", "request_id": "r-17"}


async def test_an_append_with_a_dedupe_mark_adds_nothing_the_second_time(redis, prefix, aredis):
    inbox, mark = inbox_of(redis, prefix, aredis, "serve-ack"), (f"{prefix}:slack:event:Ev1", 3600)
    first = await inbox.append("request", {"text": "x"}, deliver=False, once=mark)
    assert first is not None and await inbox.append("request", {"text": "x"}, once=mark) is None
    assert inbox.backlog() == 1 and inbox.pending() == 0 and 3500 < redis.ttl(mark[0]) <= 3600
