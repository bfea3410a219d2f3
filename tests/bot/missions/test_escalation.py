"""The SLA ladder with a controlled clock: remind -> re-route to backup -> expire, each step once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from bot import app
from bot.core.audit_verify import check
from bot.core.config.models import WorkingHours
from bot.core.models import Request
from bot.missions.escalation import Escalator
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger
from tests.support.clock import Clock, clocked_runtime
from tests.support.redis_server import drain


@pytest.fixture
def clock(settings, redis):
    clk = Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # a Monday
    clk.rt = clocked_runtime(settings, redis, clk)
    around_the_clock(clk.rt)
    yield clk
    app.install(None)


def around_the_clock(rt, worker: str = "support-triage") -> None:
    """These ladders count wall minutes: drop the shipped config's working hours
    (tested on their own below)."""
    config = rt.workers[worker]
    rt.workers[worker] = config.model_copy(
        update={"escalation": config.escalation.model_copy(update={"working_hours": None})}
    )


def park(rt, run_jobs_fn) -> str:
    sub = MissionService(rt).submit(
        Request(
            platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042 checkout down"
        )
    )
    run_jobs_fn()
    return rt.store.mission(sub.mission.id).proposals[0]


def outbox(rt) -> list[dict]:
    return [m for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()]


def kinds(rt, pid: str) -> list[str]:
    return [
        e["kind"] for e in rt.audit.events() if e["proposal"] == pid and e["kind"].startswith("escalation.")
    ]


def test_remind_then_reroute_then_expire(clock):
    rt = clock.rt
    pid = park(rt, lambda: drain(rt))
    esc = Escalator(rt)
    clock.advance(minutes=29)
    assert esc.sweep() == []

    clock.advance(minutes=2)  # 31 min > 30 min target
    assert [s.step for s in esc.sweep()] == ["reminded"]
    p = rt.store.proposal(pid)
    assert p.escalation_level == 1 and "Reminder" in p.escalation_note
    msgs = outbox(rt)
    card_ts = p.cards[0].ts
    assert any(
        m["op"] == "update" and m.get("ref") == card_ts and "Reminder" in m["card"]["escalation_note"]
        for m in msgs
    )
    reply = [m for m in msgs if m["op"] == "post" and m.get("thread") == card_ts]
    assert len(reply) == 1 and "@U0OWNER1, @U0OWNER2" in reply[0]["text"]
    assert esc.sweep() == []  # nothing new until the second interval

    clock.advance(minutes=30)  # 61 min > 2 x 30
    assert [s.step for s in esc.sweep()] == ["rerouted"]
    p = rt.store.proposal(pid)
    assert [c.conversation for c in p.cards] == ["C0APPROVALS", "U0LEAD"]
    updates = [
        m
        for m in outbox(rt)
        if m["op"] == "update" and "Re-routed" in (m["card"] or {}).get("escalation_note", "")
    ]
    assert {u["ref"] for u in updates} == {c.ts for c in p.cards}  # every copy shows the same state

    clock.advance(minutes=1440)
    assert [s.step for s in esc.sweep()] == ["expired"]
    drain(rt)
    p = rt.store.proposal(pid)
    assert p.status == "expired"
    mission = rt.store.mission(p.mission_id)
    assert mission.status == "failed" and "expired, no decision" in mission.verdict
    last = {}
    for m in outbox(rt):
        if m["op"] == "update" and m.get("card"):
            last[m["ref"]] = m["card"]["status_line"]
    assert last == {c.ts: "Expired, no decision" for c in p.cards}
    assert kinds(rt, pid) == ["escalation.reminded", "escalation.rerouted", "escalation.expired"]
    assert all(
        e["actor"] == "system:escalation" for e in rt.audit.events() if e["kind"].startswith("escalation")
    )
    assert not [e for e in rt.audit.events() if e["kind"].startswith("execution.")]  # the action never ran
    assert check(rt.audit).problems == []


def test_an_approval_after_expiry_is_refused(clock):
    from bot.core.errors import AlreadyDecided

    rt = clock.rt
    pid = park(rt, lambda: drain(rt))
    clock.advance(minutes=1441)
    Escalator(rt).sweep()
    with pytest.raises(AlreadyDecided):
        MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")


def test_concurrent_sweeps_take_each_step_once(clock):
    rt = clock.rt
    pids = [park(rt, lambda: drain(rt)) for _ in range(3)]
    steps: list = []
    barrier = threading.Barrier(4)

    def sweep() -> None:
        barrier.wait()
        steps.extend(Escalator(rt).sweep())

    for minutes in (31, 30, 1440):
        clock.advance(minutes=minutes)
        threads = [threading.Thread(target=sweep) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted((s.proposal, s.step) for s in steps) == sorted(
        (p, step) for p in pids for step in ("reminded", "rerouted", "expired")
    )
    for pid in pids:
        assert kinds(rt, pid) == ["escalation.reminded", "escalation.rerouted", "escalation.expired"]
        assert [c.conversation for c in rt.store.proposal(pid).cards] == ["C0APPROVALS", "U0LEAD"]


def test_working_hours_pause_the_clock(clock):
    rt = clock.rt
    worker = rt.workers["support-triage"]
    hours = WorkingHours(days=["mon", "tue", "wed", "thu", "fri"], hours=(9, 17), timezone="Europe/Berlin")
    rt.workers["support-triage"] = worker.model_copy(
        update={"escalation": worker.escalation.model_copy(update={"working_hours": hours})}
    )
    clock.now = datetime(2026, 11, 27, 15, 45, tzinfo=UTC)  # Friday 16:45 in Berlin: 15 working minutes left
    pid = park(rt, lambda: drain(rt))
    esc = Escalator(rt)
    clock.now = datetime(2026, 11, 30, 7, 59, tzinfo=UTC)  # Monday 08:59 Berlin: still 15 working minutes
    assert esc.sweep() == []
    clock.now = datetime(2026, 11, 30, 8, 14, tzinfo=UTC)  # 09:14: 29 minutes
    assert esc.sweep() == []
    clock.now = datetime(2026, 11, 30, 8, 16, tzinfo=UTC)  # 09:16: 31 minutes
    assert [s.step for s in esc.sweep()] == ["reminded"]
    assert rt.store.proposal(pid).status == "pending"


class Flaky:
    """The console messenger, but the first call of `op` that `when` picks raises, like a platform outage."""

    def __init__(self, inner, *, op: str, when=lambda *a, **kw: True) -> None:
        self.inner, self.op, self.when, self.failures = inner, op, when, 0
        self.platform = inner.platform

    def __getattr__(self, name: str):
        call = getattr(self.inner, name)
        if name != self.op:
            return call

        def flaky(*args, **kwargs):
            if not self.failures and self.when(*args, **kwargs):
                self.failures += 1
                raise ConnectionError("platform unavailable")
            return call(*args, **kwargs)

        return flaky


def test_a_failed_reminder_is_sent_by_the_next_sweep_and_other_proposals_go_on(clock):
    rt = clock.rt
    pids = [park(rt, lambda: drain(rt)) for _ in range(2)]
    flaky = Flaky(rt.messengers.get("console"), op="post", when=lambda **kw: kw.get("thread") is not None)
    rt.messengers.add(flaky)
    esc = Escalator(rt)
    clock.advance(minutes=31)
    first = esc.sweep()  # one reply fails: that proposal waits for the next sweep, the other is reminded
    assert flaky.failures == 1 and [s.step for s in first] == ["reminded"]
    [failed] = [p for p in pids if p != first[0].proposal]
    assert rt.store.proposal(failed).escalation_done == 0 and kinds(rt, failed) == []
    second = esc.sweep()
    assert [(s.proposal, s.step) for s in second] == [(failed, "reminded")]
    assert esc.sweep() == []
    for pid in pids:
        p = rt.store.proposal(pid)
        assert (p.escalation_level, p.escalation_done) == (1, 1) and kinds(rt, pid) == ["escalation.reminded"]
        replies = [m for m in outbox(rt) if m["op"] == "post" and m.get("thread") == p.cards[0].ts]
        assert len(replies) == 1  # once each, the failed one included


def test_a_failed_reroute_is_retried(clock):
    rt = clock.rt
    pid = park(rt, lambda: drain(rt))
    esc = Escalator(rt)
    clock.advance(minutes=31)
    esc.sweep()
    flaky = Flaky(
        rt.messengers.get("console"), op="post", when=lambda **kw: kw.get("conversation") == "U0LEAD"
    )
    rt.messengers.add(flaky)
    clock.advance(minutes=30)
    assert esc.sweep() == [] and flaky.failures == 1
    assert [c.conversation for c in rt.store.proposal(pid).cards] == ["C0APPROVALS"]
    assert [s.step for s in esc.sweep()] == ["rerouted"]
    assert esc.sweep() == []
    assert [c.conversation for c in rt.store.proposal(pid).cards] == ["C0APPROVALS", "U0LEAD"]


def test_expiry_closes_the_mission_even_when_the_card_update_fails(clock):
    rt = clock.rt
    pid = park(rt, lambda: drain(rt))
    flaky = Flaky(rt.messengers.get("console"), op="update", when=lambda *a, **kw: kw.get("card") is not None)
    rt.messengers.add(flaky)
    clock.advance(minutes=1441)
    assert [s.step for s in Escalator(rt).sweep()] == ["expired"]
    drain(rt)  # the card job fails once and RQ retries it
    p = rt.store.proposal(pid)
    assert flaky.failures == 1 and p.status == "expired"
    assert rt.store.mission(p.mission_id).status == "failed"
    last = {m["ref"]: m["card"]["status_line"] for m in outbox(rt) if m["op"] == "update" and m.get("card")}
    assert last[p.cards[0].ts] == "Expired, no decision"


def test_a_failed_reminder_card_update_is_retried(clock):
    rt = clock.rt
    pid = park(rt, lambda: drain(rt))
    flaky = Flaky(rt.messengers.get("console"), op="update", when=lambda *a, **kw: kw.get("card") is not None)
    rt.messengers.add(flaky)
    esc = Escalator(rt)
    clock.advance(minutes=31)
    assert esc.sweep() == [] and flaky.failures == 1
    assert [s.step for s in esc.sweep()] == ["reminded"]
    card_ts = rt.store.proposal(pid).cards[0].ts
    assert any(
        m["op"] == "update" and m.get("ref") == card_ts and "Reminder" in m["card"]["escalation_note"]
        for m in outbox(rt)
    )
    assert len([m for m in outbox(rt) if m["op"] == "post" and m.get("thread") == card_ts]) == 1
