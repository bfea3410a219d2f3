"""Digest signals on purpose-built audit trails: rubber stamps, executed undos, example links, the pass's
start, and one error budget shared with the demotion check."""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest
from slack_sdk import WebClient

from bot import app
from bot.core.models import MessageRef, Mission, Request
from bot.missions.digest import render, stream
from bot.missions.digest.compute import compute, first_needed, thread_root
from bot.missions.service import MissionService
from bot.missions.trust import Trust
from bot.platforms.slack.messenger import SlackMessenger
from bot.platforms.teams.messenger import TeamsMessenger
from tests.bot.missions.digest.test_render import SCHEMA
from tests.support.clock import Clock, clocked_runtime
from tests.support.redis_server import drain

WORKER = "support-triage"
START = datetime(2026, 11, 16, 10, 0, tzinfo=UTC)  # Monday
END = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock(settings, redis):
    clk = Clock(START)
    clk.rt = clocked_runtime(settings, redis, clk)
    yield clk
    app.install(None)


def decisions(
    rt,
    clock: Clock,
    approver: str,
    *,
    approved: int,
    rejected: int = 0,
    mission: str = "M-X",
    reason: str = "other",
) -> None:
    """Proposals and their human decisions, recorded as the session and `decide` record them."""
    for n in range(approved + rejected):
        pid = f"{mission}-{approver}-{n}"
        rt.audit.record(
            "proposal.created",
            actor=f"worker:{WORKER}",
            worker=WORKER,
            mission=mission,
            proposal=pid,
            tool="helpdesk.issue_credit",
            args={"amount": 10},
            rule="tier execute",
        )
        clock.advance(minutes=1)
        ok = n < approved
        rt.audit.record(
            "decision.approved" if ok else "decision.rejected",
            actor=approver,
            worker=WORKER,
            mission=mission,
            proposal=pid,
            platform="console",
            reason_code=None if ok else reason,
        )


def test_rubber_stamp_is_an_approver_who_approved_all_of_more_than_20(clock):
    rt = clock.rt
    decisions(rt, clock, "U0ALWAYS", approved=21)  # 21 of 21: flagged
    decisions(rt, clock, "U0TWENTY", approved=20)  # 20 of 20: not more than 20
    decisions(rt, clock, "U0MOSTLY", approved=21, rejected=1)  # 21 approvals and a rejection
    d = compute(rt, WORKER, end=END)
    assert d.rubber_stamp_approvers == ["U0ALWAYS"]
    assert "@U0ALWAYS approved every one of more than 20 proposals" in render.text(d)
    assert (d.current.approved, d.current.rejected) == (62, 1)


def test_only_an_executed_undo_counts_as_an_override(rt, run_jobs):
    svc = MissionService(rt)
    svc.set_autonomy(WORKER, "autonomous", actor="U0MANAGER")
    mission = svc.submit(
        Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    ).mission
    run_jobs()
    [pid] = rt.store.mission(mission.id).proposals  # 40 <= 50: auto-approved and executed
    svc.request_undo(pid, actor="U0OWNER2")
    week = compute(rt, WORKER, end=rt.clock() + timedelta(seconds=1)).current
    assert (week.auto_approved, week.undone, week.override_rate) == (1, 0, 0)  # requested, not executed
    svc.decide(f"{pid}-undo", actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(f"{pid}-undo").status == "executed"
    week = compute(rt, WORKER, end=rt.clock() + timedelta(seconds=1)).current
    # Approving the undo is not approving the worker: its own category, out of `decided`, so
    # (0 rejected + 1 undone) / (0 decided + 1 auto-approved): the one action that ran was reversed.
    assert (week.decided, week.undo_approved, week.undone, week.override_rate) == (0, 1, 1, 1.0)
    assert "Override: 100%" in render.text(compute(rt, WORKER, end=rt.clock() + timedelta(seconds=1)))


def with_platforms(rt):
    """`rt` with Slack and Teams messengers (as a process with both configured has): a link is theirs."""
    rt.messengers.add(SlackMessenger(client=WebClient(token="xoxb-unused")))
    rt.messengers.add(TeamsMessenger(store=rt.store, settings=rt.settings))
    return rt


def test_example_missions_link_to_their_threads(clock):
    rt = with_platforms(clock.rt)
    slack = Mission(
        id="M-SLACK1",
        worker=WORKER,
        mission="triage_escalation",
        platform="slack",
        conversation="C0SUPPORT",
        thread="1700000000.000100",
        requester="U0AGENT",
        text="ESC-1043",
        created_at=START,
        updated_at=START,
    )
    rt.store.create_mission(slack)
    decisions(rt, clock, "U0OWNER1", approved=0, rejected=1, mission="M-SLACK1", reason="wrong_amount")
    decisions(rt, clock, "U0OWNER1", approved=0, rejected=3, mission="M-GONE")  # no record left: no link
    d = compute(rt, WORKER, end=END)
    url = "https://slack.com/app_redirect?channel=C0SUPPORT&message_ts=1700000000.000100"
    assert [(r.code, r.example_mission, r.example_link) for r in d.top_reasons] == [
        ("other", "M-GONE", None),
        ("wrong_amount", "M-SLACK1", url),
    ]
    assert f"wrong_amount: 1 (e.g. mission M-SLACK1 ({url}))" in render.text(d)
    assert "other: 3 (e.g. mission M-GONE)" in render.text(d)
    blocks = json.dumps(render.blocks(d))
    assert f"<{url.replace('&', '&amp;')}|mission M-SLACK1>" in blocks
    card = render.adaptive_card(d)
    values = [f["value"] for b in card["body"] if b["type"] == "FactSet" for f in b["facts"]]
    assert f"1 (e.g. [mission M-SLACK1]({url}))" in values
    stripped = copy.deepcopy(card)
    stripped.pop("msteams")
    jsonschema.Draft6Validator(SCHEMA).validate(stripped)


def test_mission_links_per_platform(clock):
    rt = with_platforms(clock.rt)

    def link(
        platform: str, conversation: str, thread: str | None, status_ts: str | None = None
    ) -> str | None:
        ref = MessageRef(platform=platform, conversation=conversation, ts=status_ts) if status_ts else None
        mission = Mission(
            id="M-1",
            worker=WORKER,
            mission="m",
            platform=platform,
            conversation=conversation,
            thread=thread,
            requester="U",
            text="t",
            created_at=START,
            updated_at=START,
            status_ref=ref,
        )
        root = thread_root(mission)
        return root and rt.messengers.permalink(platform, conversation=conversation, message=root)

    assert link("slack", "C1", None, "1.2") == "https://slack.com/app_redirect?channel=C1&message_ts=1.2"
    assert (
        link("teams", "19:abc@thread.tacv2", "1700")
        == "https://teams.microsoft.com/l/message/19%3Aabc%40thread.tacv2/1700"
    )
    assert link("teams", "a:personal-chat", "1700") is None
    assert link("console", "C0SUPPORT", None, "1-0") is None
    assert link("slack", "C1", None) is None
    assert clock.rt.messengers.permalink("email", conversation="x", message="1") is None  # no messenger


def test_the_pass_starts_two_weeks_back_not_at_the_beginning(clock, monkeypatch):
    rt = clock.rt
    clock.now = END - timedelta(days=90)
    for n in range(300):  # three months ago: nothing the digest needs
        rt.audit.record("mission.created", actor="U0AGENT", worker=WORKER, mission=f"M-OLD{n}")
    clock.now = END - timedelta(days=10)
    rt.audit.record("mission.created", actor="U0AGENT", worker=WORKER, mission="M-BEFORE")
    clock.now = END - timedelta(days=2)
    rt.audit.record("mission.created", actor="U0AGENT", worker=WORKER, mission="M-NOW")
    read: list[dict] = []
    events, batches = rt.audit.events, stream.batches

    def counted(**kwargs):
        for event in events(**kwargs):
            read.append(event)
            yield event

    def counted_batches(rt, start):  # the fold's read (the rollups' path)
        for batch in batches(rt, start):
            read.extend(batch)
            yield batch

    rt.audit.events = counted
    monkeypatch.setattr(stream, "batches", counted_batches)
    d = compute(rt, WORKER, end=END)
    assert (d.current.missions, d.previous.missions) == (1, 1)
    assert [e["mission"] for e in read] == ["M-BEFORE", "M-NOW"]
    assert first_needed(rt.worker(WORKER), END) < END - timedelta(days=14)


def test_start_at_finds_the_first_event_at_or_after_a_time(clock):
    rt = clock.rt
    assert rt.audit.start_at(START) == "-"  # an empty stream
    for day in range(20):
        clock.now = START + timedelta(days=day)
        rt.audit.record("mission.created", actor="U", worker=WORKER, mission=f"M-{day}")
        if day % 3 == 0:
            time.sleep(0.002)  # stream ids: some events share a millisecond, some do not
    for day in (0, 7, 19):
        found = [e["mission"] for e in rt.audit.events(start=rt.audit.start_at(START + timedelta(days=day)))]
        assert found == [f"M-{d}" for d in range(day, 20)]
    assert list(rt.audit.events(start=rt.audit.start_at(START + timedelta(days=30)))) == []


def test_the_digest_and_the_demotion_check_read_the_same_error_budget(clock):
    rt = clock.rt
    svc = MissionService(rt)

    def propose(ticket: str) -> str:
        m = svc.submit(
            Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=f"ESC-{ticket}")
        ).mission
        drain(rt)
        return rt.store.mission(m.id).proposals[0]

    # A proposal left pending for 20 days (no sweep ran) is rejected inside the window: it counts,
    # however old its mission.
    old = propose("1043")
    clock.advance(days=20)
    svc.decide(old, actor="U0OWNER1", approve=False, platform="console", reason_code="wrong_amount")
    for ticket, ok in (("1047", True), ("1048", True)):
        pid = propose(ticket)
        clock.advance(minutes=5)
        svc.decide(pid, actor="U0OWNER2", approve=ok, platform="console", reason_code=None if ok else "other")
    drain(rt)
    digest = compute(rt, WORKER, end=clock.now + timedelta(microseconds=1)).error_budget
    trust = Trust(rt).reject_rate(WORKER)
    assert (trust.rejected, trust.decided) == (1, 3)
    assert digest == trust
