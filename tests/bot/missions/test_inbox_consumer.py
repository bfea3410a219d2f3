"""serve's handling loop (bot/missions/inbox_consumer.py): what the ack process appended unread is read and
handled once; a stop drains what is left unread; a dead predecessor's entries, and the reply it was in the
middle of posting, are taken over at once; a handling that fails leaves its entry pending for the sweep."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis as AsyncRedis

from bot.core.inbox import Inbox
from bot.missions.inbox_consumer import Consumer
from bot.missions.intake import REQUEST, Intake, request_fields
from bot.missions.service import MissionService
from tests.bot.missions.test_intake import ASK, sent


@pytest.fixture
async def aredis(redis_url: str) -> AsyncIterator[AsyncRedis]:
    client = AsyncRedis.from_url(redis_url)
    yield client
    await client.aclose()


def acker(rt, aredis) -> Inbox:
    return Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, aredis=aredis, consumer="serve-ack")


def consumer(rt, name: str = "handler-1") -> Consumer:
    inbox = Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, consumer=name)
    return Consumer(Intake(MissionService(rt), consumer=name), inbox)


def asks(n: int) -> list:
    return [ASK.model_copy(update={"thread": f"7.{i}"}) for i in range(n)]


def replies(rt) -> list[str]:
    return [m["text"] for m in sent(rt) if m["op"] == "post"]


async def test_what_the_ack_process_appends_is_handled_once_by_the_running_loop(rt, aredis):
    handler, stop = consumer(rt), threading.Event()
    loop = threading.Thread(target=handler.run, args=(stop,))
    loop.start()
    try:
        for ask in asks(3):
            await acker(rt, aredis).append(REQUEST, request_fields(ask), deliver=False)
    finally:
        stop.set()  # the ack process stopped accepting: the loop drains what is unread, then returns
        loop.join(60)
    assert not loop.is_alive() and handler.handled == 3
    assert handler.inbox.backlog() == 0 and len(rt.store.missions_of("support-triage")) == 3
    assert len(replies(rt)) == 3


async def test_a_dead_handlers_entries_and_its_half_posted_reply_are_taken_over_at_once(rt, aredis):
    for ask in asks(2):
        await acker(rt, aredis).append(REQUEST, request_fields(ask), deliver=False)
    dead = consumer(rt, "handler-dead")
    [first, _] = dead.inbox.read(count=2, block_ms=None)  # read, then the process died ...
    dead.intake.create(first)  # ... after making the mission and claiming its reply, before posting it
    assert rt.redis.set(rt.store.key("inbox", "replied", first.id), dead.intake.claim)
    heir, stop = consumer(rt, "handler-heir"), threading.Event()
    stop.set()  # adopt, drain, return
    heir.run(stop, adopt="handler-dead")
    assert heir.handled == 2 and heir.inbox.backlog() == 0 and heir.inbox.pending() == 0
    assert len(rt.store.missions_of("support-triage")) == 2 and len(replies(rt)) == 2


async def test_a_reply_another_live_handler_is_posting_is_left_to_it(rt, aredis):
    await acker(rt, aredis).append(REQUEST, request_fields(ASK), deliver=False)
    other, handler = consumer(rt, "handler-other"), consumer(rt)
    [entry] = handler.inbox.read(count=1, block_ms=None)
    assert rt.redis.set(rt.store.key("inbox", "replied", entry.id), other.intake.claim)
    stop = threading.Event()
    stop.set()
    handler.run(stop)
    assert handler.handled == 0 and handler.inbox.pending() == 1 and replies(rt) == []


async def test_a_handling_that_fails_leaves_its_entry_pending_and_the_loop_goes_on(rt, aredis, monkeypatch):
    for ask in asks(2):
        await acker(rt, aredis).append(REQUEST, request_fields(ask), deliver=False)
    handler, failed = consumer(rt), []
    handle = handler.intake.handle

    def once(entry) -> None:  # the first entry's handling fails (a bug, a platform down)
        if not failed:
            failed.append(entry.id)
            raise RuntimeError("boom")
        handle(entry)

    monkeypatch.setattr(handler.intake, "handle", once)
    stop = threading.Event()
    stop.set()
    handler.run(stop)
    assert handler.handled == 1 and handler.inbox.pending() == 1 and handler.inbox.backlog() == 1
