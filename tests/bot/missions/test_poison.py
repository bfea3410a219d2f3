"""Poison entries (bot/missions/poison.py): an entry whose handling always raises is tried by the
scheduler's recovery sweep (`jobs.sweeps.sweep_recovery`, real grace timer) until Redis has delivered it
`inbox_max_attempts` times, then dead-lettered exactly once (the counter moves, the requester is told, the
inbox is empty) while the entries flowing meanwhile are handled."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis as AsyncRedis

from bot.core.inbox import Inbox
from bot.core.inbox_dead import DeadLetters
from bot.core.models import Request
from bot.missions.inbox_consumer import Consumer
from bot.missions.intake import REQUEST, Intake, request_fields
from bot.missions.poison import TOLD
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger
from jobs.sweeps import sweep_recovery

ASK = Request(
    platform="console", conversation="C0SUPPORT", thread="1.1", requester="U0AGENT", text="ESC-1042"
)
CAP = 3


@pytest.fixture
async def aredis(redis_url: str) -> AsyncIterator[AsyncRedis]:
    client = AsyncRedis.from_url(redis_url)
    yield client
    await client.aclose()


def dead_count() -> float:
    return REGISTRY.get_sample_value("missionbot_inbox_dead_letters_total", {"kind": "request"}) or 0.0


def broken() -> dict[str, str]:
    """A request the handling cannot take (no requester: `create` raises), from a conversation it can
    still answer in."""
    fields = request_fields(ASK.model_copy(update={"thread": "9.9"}))
    del fields["requester"]
    return fields


async def test_a_poison_entry_is_retried_to_the_cap_then_dead_lettered_once(rt, aredis, monkeypatch, caplog):
    update = {"recovery_grace": 1, "inbox_max_attempts": CAP}
    monkeypatch.setattr(rt, "settings", rt.settings.model_copy(update=update))
    dead_process = Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, aredis=aredis, consumer="dead")
    poison = await dead_process.append(REQUEST, broken())  # delivered once, to a process that then died
    sweeper = Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, consumer="recovery")
    before, sweeps = dead_count(), 0
    with caplog.at_level(logging.INFO):
        while sweeper.backlog() and sweeps < 20:  # each sweep, another good request flows in
            await dead_process.append(
                REQUEST, request_fields(ASK.model_copy(update={"thread": f"2.{sweeps}"}))
            )
            time.sleep(1.1)  # past the grace: the scheduler's recovery sweep takes over both
            sweep_recovery()
            sweeps += 1
    failed = [r for r in caplog.records if "recovery of inbox entry" in r.getMessage()]
    assert len(failed) == CAP - 1 and all(poison.id in r.getMessage() for r in failed)  # then no more
    threads = {rt.store.mission(m).thread for m in rt.store.missions_of("support-triage")}
    assert sweeps == CAP and threads >= {f"2.{n}" for n in range(sweeps)}  # every good one handled
    assert sweeper.pending() == 0 and sweeper.backlog() == 0
    dead = DeadLetters(redis=rt.redis, prefix=rt.settings.key_prefix)
    [letter] = dead.read()
    assert letter.fields["inbox_id"] == poison.id and letter.fields["deliveries"] == str(CAP + 1)
    assert dead_count() == before + 1
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR and "moved to" in r.getMessage()]
    assert poison.id in error.getMessage() and "(request)" in error.getMessage()
    told = [m for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()]
    assert [m for m in told if m.get("text") == TOLD and m.get("thread") == "9.9"]
    assert len(Intake(MissionService(rt)).recover(sweeper)) == 0 and len(dead) == 1  # nothing left to move


async def test_the_handling_child_dead_letters_what_it_adopts_past_the_cap(rt, aredis, monkeypatch):
    monkeypatch.setattr(rt, "settings", rt.settings.model_copy(update={"inbox_max_attempts": 1}))
    dead_process = Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, aredis=aredis, consumer="dead")
    poison = await dead_process.append(REQUEST, broken())  # delivered once; adopting is the second time
    child = Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, consumer="child")
    consumer = Consumer(Intake(MissionService(rt), consumer="child"), child)
    stop = threading.Event()
    stop.set()  # adopt, drain what is unread, return
    consumer.run(stop, adopt="dead")
    [letter] = DeadLetters(redis=rt.redis, prefix=rt.settings.key_prefix).read()
    assert letter.fields["inbox_id"] == poison.id and child.backlog() == 0 and consumer.handled == 0
