"""Precedent on the card: similar = same worker and tool and the same account-like argument or a numeric
argument in the same power-of-2 band; read from hand-made history in capped lists (real Redis); the card's
own proposal is never shown, at most five are, and a recorded decision is indexed for the next card."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient

from bot.core import precedent
from bot.core.models import Request
from bot.core.precedent import Precedent
from bot.missions.decisions import record_decision
from bot.missions.notify import Notifier
from bot.missions.service import MissionService
from bot.platforms.console.text import render_card
from bot.platforms.slack.messenger import SlackMessenger
from tests.bot.core.card_factories import proposal as card_proposal

WORKER, TOOL = "support-triage", "helpdesk.issue_credit"
T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def history(rt, entries: list[tuple[dict, str, str | None]]) -> None:
    """Decisions oldest first: (args, outcome, reason code), each its own proposal and mission."""
    for i, (args, outcome, code) in enumerate(entries):
        entry = Precedent(
            proposal=f"M-OLD{i}-s5",
            mission=f"M-OLD{i}",
            outcome=outcome,
            reason_code=code,
            at=T0 + timedelta(i),
        )
        precedent.record(rt.redis, rt.store.key, worker=WORKER, tool=TOOL, args=args, entry=entry)


def similar(rt, args: dict, exclude: str = "M-NEW-s5") -> list[Precedent]:
    return precedent.similar(rt.redis, rt.store.key, worker=WORKER, tool=TOOL, args=args, exclude=exclude)


def test_bands_and_keys():
    assert (
        precedent.band(40) == "32-64" and precedent.band(63.5) == "32-64" and precedent.band(64) == "64-128"
    )
    assert precedent.band(0) == precedent.band(-5) == "le0"
    keys = precedent.similarity_keys({"account_id": "ACME-7", "amount": 40.0, "reason": "x", "flag": True})
    assert keys == ["acct:account_id=ACME-7", "band:amount=32-64"]


def test_same_account_or_same_band_and_never_the_card_itself(rt):
    history(
        rt,
        [
            ({"account_id": "ACME-7", "amount": 400.0}, "approved", None),  # same account, other band
            ({"account_id": "GLOBEX-2", "amount": 45.0}, "rejected", "wrong_amount"),  # same band
            ({"account_id": "INITECH-4", "amount": 300.0}, "approved", None),  # neither: not similar
        ],
    )
    found = similar(rt, {"account_id": "ACME-7", "amount": 40.0})
    assert [p.mission for p in found] == ["M-OLD1", "M-OLD0"]  # newest first
    assert similar(rt, {"account_id": "ACME-7", "amount": 40.0}, exclude="M-OLD1-s5")[0].mission == "M-OLD0"
    line = precedent.line(found, tool=TOOL)
    assert line == "Last 2 similar issue_credit: 1 approved, 1 rejected (wrong amount)"


def test_bounded_to_five_and_lists_capped(rt):
    history(rt, [({"account_id": "ACME-7", "amount": 40.0}, "approved", None)] * 30)
    found = similar(rt, {"account_id": "ACME-7", "amount": 40.0}, exclude="M-OLD29-s5")
    assert [p.mission for p in found] == [f"M-OLD{i}" for i in (28, 27, 26, 25, 24)]
    key = precedent.index_keys(rt.store.key, worker=WORKER, tool=TOOL, args={"account_id": "ACME-7"})[0]
    assert rt.redis.llen(key) == precedent.KEEP


def test_a_recorded_decision_shows_on_the_next_similar_card(rt, run_jobs):
    service = MissionService(rt)

    def propose(text: str) -> str:
        sub = service.submit(
            Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=text)
        )
        run_jobs()
        return rt.store.mission(sub.mission.id).proposals[0]

    first = propose("ESC-1042")  # ACME-7, 40
    assert Notifier(rt).card(rt.store.proposal(first)).precedent == []
    service.decide(
        first, actor="U0OWNER1", approve=False, platform="console", reason_code="wrong_amount", comment="no"
    )
    run_jobs()
    decided = rt.store.proposal(first)
    assert record_decision(rt, decided) is False  # a recovery sweep's second call indexes nothing more
    key = precedent.index_keys(rt.store.key, worker=WORKER, tool=TOOL, args={"account_id": "ACME-7"})[0]
    assert rt.redis.llen(key) == 1
    second = propose("ESC-1046")  # ACME-7 again, 30
    card = Notifier(rt).card(rt.store.proposal(second))
    assert [p.proposal for p in card.precedent] == [first]
    text = render_card(card)
    assert "Last 1 similar issue_credit: 1 rejected (wrong amount)" in text
    assert f"mission {rt.store.proposal(first).mission_id} (rejected: wrong amount)" in text


def test_each_precedent_links_to_its_missions_thread_through_its_platform(rt):
    """Slack: the `app_redirect` link, made with no round trip; the console has none: its id is shown."""
    rt.messengers.add(SlackMessenger(client=WebClient(token="xoxb-test")))
    args = {"account_id": "ACME-7", "amount": 120.0}
    where = [("slack", "C0SUPPORT", "1714987800.000100"), ("console", "C0SUPPORT", "1"), (None, None, None)]
    for i, (platform, conversation, thread) in enumerate(where):
        entry = Precedent(
            proposal=f"M-OLD{i}-s5",
            mission=f"M-OLD{i}",
            outcome="approved",
            at=T0 + timedelta(i),
            platform=platform,
            conversation=conversation,
            thread=thread,
        )
        precedent.record(rt.redis, rt.store.key, worker=WORKER, tool=TOOL, args=args, entry=entry)
    stored = rt.redis.lindex(precedent.index_keys(rt.store.key, worker=WORKER, tool=TOOL, args=args)[0], 0)
    assert b'"link"' not in stored  # made for each card, never stored
    found = Notifier(rt).precedents(card_proposal(args=args))
    links = {p.mission: p.link for p in found}
    assert links == {
        "M-OLD0": "https://slack.com/app_redirect?channel=C0SUPPORT&message_ts=1714987800.000100",
        "M-OLD1": None,
        "M-OLD2": None,
    }


def test_a_recorded_decision_keeps_where_its_missions_thread_is(rt, run_jobs):
    sub = MissionService(rt).submit(
        Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    )
    run_jobs()
    first = rt.store.mission(sub.mission.id).proposals[0]
    MissionService(rt).decide(first, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    [entry] = similar(rt, {"account_id": "ACME-7"}, exclude="none")
    mission = rt.store.mission(sub.mission.id)
    assert (entry.platform, entry.conversation) == ("console", "C0SUPPORT")
    assert entry.thread == mission.thread_root and entry.thread
