"""`create` then `launch` (or both in `submit(post_ack=...)`): the "queued" reply is posted and attached
before the mission can run. On Slack the request is durable at the ack as an inbox entry
(bot/core/inbox.py), handled after it by the same calls (bot/missions/intake.py): handled twice (its
process died after the ack, the recovery sweep handles it again) it is still one mission, one reply,
one run (tests/handlers/slack/test_durability.py does it over HTTP)."""

from __future__ import annotations

import pytest

from bot.core.inbox import Entry
from bot.core.models import MessageRef, Request
from bot.missions.intake import REQUEST, Intake, request_fields
from bot.missions.service import MissionService, Submitted
from bot.platforms.console.messenger import ConsoleMessenger


def request(text: str = "ESC-1042 checkout down") -> Request:
    return Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=text)


def test_the_status_ref_is_attached_before_the_mission_is_enqueued(rt, run_jobs):
    outbox = ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix)
    seen: list[tuple[int, str]] = []

    def post_ack(submitted: Submitted) -> MessageRef:
        seen.append((len(rt.missions_queue), submitted.mission.status))  # nothing can run yet
        return outbox.post(conversation="C0SUPPORT", thread=submitted.mission.thread, text=submitted.text)

    submitted = MissionService(rt).submit(request(), post_ack=post_ack)
    assert seen == [(0, "queued")]
    mission = rt.store.mission(submitted.mission.id)
    assert mission.status_ref is not None and len(rt.missions_queue) == 1
    run_jobs()
    # The very first status change of the run already updates the posted reply in place.
    updates = [m for _, m in outbox.read() if m["op"] == "update" and m["ref"] == mission.status_ref.ts]
    assert updates and "gathering 1/5" in updates[0]["text"]


def test_a_failed_ack_still_enqueues_the_mission(rt, run_jobs):
    def broken(_: Submitted) -> MessageRef:
        raise ConnectionError("chat platform down")

    submitted = MissionService(rt).submit(request(), post_ack=broken)
    assert len(rt.missions_queue) == 1
    run_jobs()
    mission = rt.store.mission(submitted.mission.id)
    assert mission.status_ref is None and mission.status == "awaiting_approval"


def test_a_refusal_is_posted_through_the_same_callback_and_nothing_is_enqueued(rt):
    posted: list[str] = []
    too_long = "x" * (rt.settings.max_request_chars + 1)
    submitted = MissionService(rt).submit(request(too_long), post_ack=lambda s: posted.append(s.text))
    assert submitted.mission is None and posted == [submitted.text] and len(rt.missions_queue) == 0
    with pytest.raises(ConnectionError):  # nothing was created, so the surface hears about its own failure
        MissionService(rt).submit(
            request(too_long), post_ack=lambda s: (_ for _ in ()).throw(ConnectionError())
        )


def test_launch_attaches_the_status_message_then_enqueues_once(rt):
    svc, outbox = MissionService(rt), ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix)
    submitted = svc.create(request())  # what a surface does before its ack: durable, nothing enqueued
    assert len(rt.missions_queue) == 0 and rt.store.mission(submitted.mission.id).status == "queued"
    ref = outbox.post(conversation="C0SUPPORT", thread=submitted.mission.thread, text=submitted.text)
    assert svc.launch(submitted, status=ref) and not svc.launch(submitted, status=ref)
    assert rt.store.mission(submitted.mission.id).status_ref == ref and len(rt.missions_queue) == 1


def test_a_refusal_has_nothing_to_launch(rt):
    submitted = MissionService(rt).create(request("x" * (rt.settings.max_request_chars + 1)))
    assert submitted.mission is None and not MissionService(rt).launch(submitted)
    assert len(rt.missions_queue) == 0


def test_an_inbox_entry_handled_twice_is_one_mission_one_reply_one_run(rt):
    entry = Entry(
        id="1700000000000-0",
        kind=REQUEST,
        fields=request_fields(request().model_copy(update={"thread": "9.9"})),
    )
    intake = Intake(MissionService(rt))
    first = intake.handle_request(entry)
    again = intake.handle_request(entry)  # the sweep, after the process died before marking it done
    assert first.mission is not None and again.mission is not None and again.mission.id == first.mission.id
    assert rt.store.missions_of("support-triage") == [first.mission.id] and len(rt.missions_queue) == 1
    outbox = ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix)
    assert [m["op"] for _, m in outbox.read()] == ["post"]  # attached the first time: not posted again
    assert rt.store.mission(first.mission.id).status_ref is not None
    assert [e["kind"] for e in rt.audit.events()].count("mission.created") == 1
