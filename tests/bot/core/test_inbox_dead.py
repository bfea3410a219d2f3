"""Dead letters (bot/core/inbox_dead.py): one script moves a pending entry, once, whoever races for it and
whenever the process moving it is SIGKILLed; an entry no longer pending is left alone."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis as AsyncRedis

from bot.core.inbox import Inbox
from bot.core.inbox_dead import DeadLetters


@pytest.fixture
async def aredis(redis_url: str) -> AsyncIterator[AsyncRedis]:
    client = AsyncRedis.from_url(redis_url)
    yield client
    await client.aclose()


async def test_a_pending_entry_is_moved_once_with_its_fields_and_delivery_count(redis, prefix, aredis):
    inbox = Inbox(redis=redis, prefix=prefix, aredis=aredis, consumer="serve-1")
    entry = await inbox.append("request", {"text": "ESC-1042", "platform": "fax"})
    dead = DeadLetters(redis=redis, prefix=prefix)
    assert dead.bury(inbox, entry) and not dead.bury(inbox, entry)  # the second finds it gone
    assert inbox.pending() == 0 and inbox.backlog() == 0 and len(dead) == 1
    [letter] = dead.read()
    assert letter.kind == "request" and letter.fields["inbox_id"] == entry.id
    assert (letter.fields["text"], letter.fields["deliveries"]) == ("ESC-1042", "1")


async def test_a_handled_entry_is_not_dead_lettered(redis, prefix, aredis):
    inbox = Inbox(redis=redis, prefix=prefix, aredis=aredis, consumer="serve-1")
    entry = await inbox.append("click", {"actor": "U0OWNER1"})
    await inbox.done(entry)
    dead = DeadLetters(redis=redis, prefix=prefix)
    assert not dead.bury(inbox, entry) and len(dead) == 0


BURY_FOR_EVER = """
import sys
from redis import Redis
from bot.core.inbox import Entry, Inbox
from bot.core.inbox_dead import DeadLetters
redis = Redis.from_url(sys.argv[1])
inbox = Inbox(redis=redis, prefix=sys.argv[2], consumer="sweeper")
dead = DeadLetters(redis=redis, prefix=sys.argv[2])
entry = Entry(id=sys.argv[3], kind="request", fields={})
print("ready", flush=True)
while True:
    dead.bury(inbox, entry)
"""


async def test_racing_processes_sigkilled_mid_move_dead_letter_it_once(redis_url, redis, prefix, aredis):
    inbox = Inbox(redis=redis, prefix=prefix, aredis=aredis, consumer="serve-1")
    entry = await inbox.append("request", {"text": "ESC-1042"})
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", BURY_FOR_EVER, redis_url, prefix, entry.id],
            stdout=subprocess.PIPE,
            env=env,
        )
        for _ in range(3)
    ]
    dead = DeadLetters(redis=redis, prefix=prefix)
    for proc in procs:
        assert proc.stdout.readline().strip() == b"ready"
    while not len(dead):  # one of them has moved it; the others are in their loops, some mid-script
        time.sleep(0.01)
    for proc in procs:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert not dead.bury(inbox, entry)  # the next sweep, after the kills, finds nothing to move
    assert len(dead) == 1 and inbox.pending() == 0 and inbox.backlog() == 0
