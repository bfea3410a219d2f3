"""Records that cannot be half-written, audit events that survive a crash, best-effort status lines."""

from __future__ import annotations

import contextlib

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bot.core.audit_verify import check
from bot.core.errors import AlreadyDecided
from bot.core.models import MessageRef, Observation, Request
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.notify import Notifier
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger


def ask(rt, *, user: str = "U0AGENT", post_ack=None):
    return (
        MissionService(rt)
        .submit(
            Request(platform="console", conversation="C0SUPPORT", requester=user, text="ESC-1042"),
            post_ack=post_ack,
        )
        .mission
    )


def credits(rt) -> list[dict]:
    return HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()


def test_an_observation_and_its_place_in_the_order_are_written_together(rt, monkeypatch):
    def lost(*_a, **_k):  # the connection drops after the first write
        raise RedisConnectionError("connection lost")

    monkeypatch.setattr(rt.redis, "rpush", lost)
    obs = Observation(key="s1", text="one", at=rt.clock())
    with contextlib.suppress(RedisConnectionError):  # the retried step adds it again
        rt.store.add_observation("M-1", obs)
    rt.store.add_observation("M-1", obs)
    assert [o.key for o in rt.store.observations("M-1")] == ["s1"]


def test_an_observation_whose_audit_event_was_cut_off_is_audited_on_retry(rt, monkeypatch):
    # The observation, its event and its markers are now one script (bot/core/atomic.py), so a crash
    # cannot land between them; this state comes from a crash under the earlier, separate writes.
    mission = ask(rt)
    rt.store.add_observation(mission.id, Observation(key="s1", text="first look", at=rt.clock()))
    Notifier(rt).observe(mission, "s1", "second look")  # the retried job audits what was recorded
    Notifier(rt).observe(mission, "s1", "third look")  # and once more: no duplicate
    events = [e for e in rt.audit.events() if e["kind"] == "observation" and e["mission"] == mission.id]
    assert [e["data"]["text"] for e in events] == ["first look"]


def test_an_observation_whose_reply_was_lost_is_neither_lost_nor_repeated(rt, monkeypatch):
    mission = ask(rt)
    real = rt.store.records.scripts._observe

    def lost_reply(*args, **kwargs):  # the script ran; the worker died before reading its answer
        real(*args, **kwargs)
        raise SystemExit("worker killed")

    monkeypatch.setattr(rt.store.records.scripts, "_observe", lost_reply)
    with pytest.raises(SystemExit):
        Notifier(rt).observe(mission, "s1", "first look")
    monkeypatch.setattr(rt.store.records.scripts, "_observe", real)
    Notifier(rt).observe(mission, "s1", "first look")  # the retried job
    events = [e for e in rt.audit.events() if e["kind"] == "observation" and e["mission"] == mission.id]
    assert [e["data"]["text"] for e in events] == ["first look"]
    assert [o.key for o in rt.store.observations(mission.id)] == ["s1"]
    assert check(rt.audit).problems == []  # the writer whose reply was lost did not reuse its sequence


def test_the_kill_switch_audits_each_proposal_it_halts(rt, run_jobs):
    mission = ask(rt)
    run_jobs()
    pid = rt.store.mission(mission.id).proposals[0]
    svc = MissionService(rt)
    svc.kill("support-triage", actor="U0MANAGER")
    halted = [e for e in rt.audit.events() if e["kind"] == "proposal.halted"]
    assert [(e["proposal"], e["actor"], e["data"]["was"]) for e in halted] == [(pid, "U0MANAGER", "pending")]
    with pytest.raises(AlreadyDecided) as err:  # the card's buttons now say why
        svc.decide(pid, actor="U0OWNER1", approve=True, platform="console")
    assert err.value.status == "halted"


class DeletedMessages:
    """A messenger whose messages were deleted by the requester: every update fails
    (Slack message_not_found)."""

    def __init__(self, inner: ConsoleMessenger) -> None:
        self.inner, self.platform, self.updates = inner, inner.platform, 0

    def post(self, **kw):
        return self.inner.post(**kw)

    def ephemeral(self, **kw) -> None:
        self.inner.ephemeral(**kw)

    def update(self, ref: MessageRef, **kw) -> None:
        self.updates += 1
        raise RuntimeError("message_not_found")


def test_status_and_card_updates_that_fail_do_not_fail_the_mission(rt, run_jobs):
    broken = DeletedMessages(ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix))
    rt.messengers.add(broken)
    mission = ask(
        rt, post_ack=lambda s: broken.post(conversation="C0SUPPORT", thread=s.mission.thread, text=s.text)
    )
    run_jobs()
    parked = rt.store.mission(mission.id)
    assert parked.status_ref is not None and parked.status == "awaiting_approval"
    MissionService(rt).decide(parked.proposals[0], actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "done" and "approved by @U0OWNER1" in done.verdict
    assert rt.store.proposal(parked.proposals[0]).status == "executed" and len(credits(rt)) == 1
    assert broken.updates >= 3  # status lines and cards were tried, and failed, along the way


def test_self_approval_is_allowed_when_the_config_says_so(rt, run_jobs):
    worker = rt.workers["support-triage"]
    rt.workers["support-triage"] = worker.model_copy(
        update={"escalation": worker.escalation.model_copy(update={"allow_self_approval": True})}
    )
    mission = ask(rt, user="U0OWNER2")  # an approver asks
    run_jobs()
    pid = rt.store.mission(mission.id).proposals[0]
    svc = MissionService(rt)
    assert [p.id for p in svc.pending_for("U0OWNER2")] == [pid]
    svc.decide(pid, actor="U0OWNER2", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(pid).status == "executed" and rt.store.proposal(pid).decided_by == "U0OWNER2"
    assert [c["amount"] for c in credits(rt)] == [40.0]
