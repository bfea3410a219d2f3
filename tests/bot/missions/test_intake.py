"""Handling inbox entries (bot/missions/intake.py): the same entry handled twice, by its process and by
the recovery sweep after a crash, makes one mission and one decision; the sweep answers through the
runtime's messengers and leaves an entry it could not handle pending."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis as AsyncRedis

from bot.core.errors import AlreadyDecided, NotAuthorized
from bot.core.inbox import Entry, Inbox
from bot.core.models import Request
from bot.missions.intake import CLICK, REQUEST, Intake, ReplyInFlight, click_fields, request_fields
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger
from tests.bot.missions.test_decisions import parked

ASK = Request(
    platform="console", conversation="C0SUPPORT", thread="1.1", requester="U0AGENT", text="ESC-1042"
)


@pytest.fixture
async def aredis(redis_url: str) -> AsyncIterator[AsyncRedis]:
    client = AsyncRedis.from_url(redis_url)
    yield client
    await client.aclose()


def click(pid: str, actor: str = "U0OWNER1") -> Entry:
    fields = click_fields(proposal_id=pid, actor=actor, platform="console", conversation="C0APPROVALS")
    return Entry(id="1-1", kind=CLICK, fields=fields)


def sent(rt) -> list[dict]:
    return [m for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()]


def test_handling_a_request_twice_makes_one_mission(rt):
    intake, entry = Intake(MissionService(rt)), Entry(id="17-0", kind=REQUEST, fields=request_fields(ASK))
    first, again = intake.create(entry), intake.create(entry)
    assert first.mission is not None and again.mission is not None
    assert again.mission.id == first.mission.id and again.text == first.text
    assert rt.store.missions_of("support-triage") == [first.mission.id]
    assert [e["kind"] for e in rt.audit.events()].count("mission.created") == 1
    other = intake.create(Entry(id="18-0", kind=REQUEST, fields=request_fields(ASK)))
    assert other.mission is not None and other.mission.id != first.mission.id  # another entry: another one


def test_two_handlings_that_both_reserved_the_id_make_one_mission_and_one_event(rt):
    """The race the read before `create` cannot close: both handlings pass it before either records the
    mission (or one skips it, having reserved the id itself). The admission script refuses the second."""
    svc, mission_id = MissionService(rt), rt.new_id()
    first = svc.create(ASK, mission_id=mission_id, reserved_now=True)
    again = svc.create(ASK, mission_id=mission_id, reserved_now=True)
    assert first.mission is not None and again.mission is not None
    assert again.mission == rt.store.mission(mission_id) and again.text == first.text
    assert rt.store.missions_of("support-triage") == [mission_id]
    assert [e["kind"] for e in rt.audit.events()].count("mission.created") == 1
    assert rt.redis.zcard(rt.store.key("submits", "support-triage")) == 1  # the hourly rate counted once


class HeldMessenger(ConsoleMessenger):
    """Posts once `release` is set, after telling `posting`: the first handling is caught mid-post."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.posting, self.release = threading.Event(), threading.Event()

    def post(self, **kwargs):
        self.posting.set()
        assert self.release.wait(30)
        return super().post(**kwargs)


def test_the_same_request_handled_twice_at_once_is_answered_once(rt):
    """A loaded `serve` still posting the "queued" reply while the sweep (short grace) handles the entry."""
    held = HeldMessenger(redis=rt.redis, prefix=rt.settings.key_prefix)
    rt.messengers.add(held)
    intake, entry = Intake(MissionService(rt)), Entry(id="19-0", kind=REQUEST, fields=request_fields(ASK))
    first = threading.Thread(target=intake.handle_request, args=(entry,))
    first.start()
    assert held.posting.wait(30)
    with pytest.raises(ReplyInFlight):  # the sweep's handling stops; the entry stays pending
        intake.handle_request(entry)
    held.release.set()
    first.join(30)
    again = intake.handle_request(entry)  # a later sweep: the reply posted is the one attached
    assert again.mission is not None
    # Posted before a crash but not attached: the claim holds the reply's reference, not posted again.
    rt.store.mutate_mission(again.mission.id, lambda m: m.model_copy(update={"status_ref": None}))
    intake.handle_request(entry)
    replies = [m for m in sent(rt) if m["op"] == "post"]
    assert len(replies) == 1 and replies[0]["text"].startswith("🧭 Queued mission")
    assert rt.store.mission(again.mission.id).status_ref.ts == sent_ids(rt)[0]


def sent_ids(rt) -> list[str]:
    return [mid for mid, _ in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()]


def test_a_refused_request_is_answered_and_creates_nothing(rt):
    blank = ASK.model_copy(update={"text": "\u200b"})
    submitted = Intake(MissionService(rt)).create(Entry(id="1-0", kind=REQUEST, fields=request_fields(blank)))
    assert submitted.mission is None and submitted.text and rt.store.missions_of("support-triage") == []


def test_a_click_handled_again_is_no_refusal_but_a_second_click_is(rt, run_jobs):
    _, pid = parked(rt, run_jobs)
    intake = Intake(MissionService(rt))
    assert intake.decide(click(pid)) is None and rt.store.proposal(pid).status == "approved"
    assert intake.decide(click(pid), again=True) is None  # the sweep re-handling the same entry
    assert isinstance(intake.decide(click(pid)), AlreadyDecided)  # a second click by the same person
    assert isinstance(intake.decide(click(pid, "U0OWNER2"), again=True), AlreadyDecided)
    assert isinstance(intake.decide(click(pid, "U0RANDOM")), NotAuthorized)
    decisions = [e for e in rt.audit.events() if e["kind"].startswith("decision.")]
    assert len(decisions) == 1


async def test_the_sweep_handles_what_a_dead_process_accepted_once_idle_past_the_grace(
    rt, run_jobs, aredis, monkeypatch
):
    monkeypatch.setattr(rt, "settings", rt.settings.model_copy(update={"recovery_grace": 1}))
    _, pid = parked(rt, run_jobs)
    dead = Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, aredis=aredis, consumer="dead")
    await dead.append(REQUEST, request_fields(ASK))
    await dead.append(
        CLICK, click_fields(proposal_id=pid, actor="U0RANDOM", platform="console", conversation="C0APPROVALS")
    )
    await dead.append(
        CLICK, click_fields(proposal_id=pid, actor="U0OWNER1", platform="console", conversation="C0APPROVALS")
    )
    sweeper, intake = (
        Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, consumer="recovery"),
        Intake(MissionService(rt)),
    )
    assert len(intake.recover(sweeper)) == 0  # not idle long enough: its process may be at it
    before = len(sent(rt))
    time.sleep(1.2)
    done = intake.recover(sweeper)
    assert (len(done.requests), len(done.clicks)) == (1, 2) and sweeper.pending() == 0
    [new] = [m for m in rt.store.missions_of("support-triage") if rt.store.mission(m).thread == "1.1"]
    mission = rt.store.mission(new)
    posted = sent(rt)[before:]
    assert any(m["op"] == "post" and f"Queued mission {new}" in m["text"] for m in posted)
    assert mission.status_ref is not None and rt.store.proposal(pid).status == "approved"
    [refusal] = [m for m in posted if m["op"] == "ephemeral"]
    assert refusal["user"] == "U0RANDOM" and "can decide" in refusal["text"]


async def test_an_answer_the_sweep_cannot_post_stays_pending(rt, aredis, monkeypatch):
    monkeypatch.setattr(rt, "settings", rt.settings.model_copy(update={"recovery_grace": 0}))
    dead = Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, aredis=aredis, consumer="dead")
    blank = ASK.model_copy(update={"platform": "fax", "text": "\u200b"})  # an answer, nowhere to post it
    await dead.append(REQUEST, request_fields(blank))
    sweeper = Inbox(redis=rt.redis, prefix=rt.settings.key_prefix, consumer="recovery")
    assert len(Intake(MissionService(rt)).recover(sweeper)) == 0 and sweeper.pending() == 1


def test_the_requests_locale_survives_the_inbox_onto_the_mission(rt):
    german = ASK.model_copy(update={"locale": "de-DE"})
    entry = Entry(id="19-0", kind=REQUEST, fields=request_fields(german))
    submitted = Intake(MissionService(rt)).create(entry)
    assert submitted.mission is not None and submitted.mission.locale == "de-DE"
    plain = Intake(MissionService(rt)).create(Entry(id="20-0", kind=REQUEST, fields=request_fields(ASK)))
    assert plain.mission is not None and plain.mission.locale is None  # Slack and the console: the worker's
