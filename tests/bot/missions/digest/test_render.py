"""Digest renderers: Slack's limits hold however big the week, the Adaptive Card validates against 1.5."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema

from bot.missions.digest import render
from bot.missions.digest.model import Digest, ErrorBudgetStatus, Promotion, ReasonCount, WeekStats
from tests.support.slack_limits import MAX_MESSAGE_BLOCKS, message_error

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "fixtures/adaptive_cards/adaptive-card-1.5.0.json").read_text()
)


def digest(*, promotions: int = 1, reason_len: int = 12) -> Digest:
    now = WeekStats(
        missions=12,
        verdicts={"resolved": 7, "closed": 5},
        proposals=11,
        approved=6,
        rejected=2,
        auto_approved=1,
        undone=1,
        waited_for_human=10,
        escalated=2,
        sla_breaches=3,
        expiries=1,
        decision_seconds=[3, 120, 600, 3600],
        fast_approvals=1,
        shadow_approved=3,
        shadow_rejected=1,
    )
    before = WeekStats(
        missions=8, proposals=8, approved=6, rejected=0, waited_for_human=8, decision_seconds=[60, 600]
    )
    return Digest(
        worker="support-triage",
        display_name="Support Triage",
        autonomy="assisted",
        start=datetime(2026, 11, 16, 9, tzinfo=UTC),
        end=datetime(2026, 11, 23, 9, tzinfo=UTC),
        timezone="Europe/Berlin",
        current=now,
        previous=before,
        top_reasons=[ReasonCount(code="r" * reason_len, count=2, example_mission="M-ABCDEF")],
        tokens=1500,
        token_budget=2_000_000,
        error_budget=ErrorBudgetStatus(rejected=2, decided=8, limit=0.2, window_days=7),
        rubber_stamp_approvers=["U0OWNER1"],
        promotions=[
            Promotion(
                tool=f"helpdesk.tool_{i}", decisions=25, approved=25, condition={"amount": {"lte": 180}}
            )
            for i in range(promotions)
        ],
    )


def test_text_has_every_figure_with_arrows():
    out = render.text(digest())
    for expected in (
        "Missions: 12 ↑ (was 8)",
        "Acceptance: 75% ↓ (was 100%)",
        "Override: 33% ↑ (was 0%)",
        "Escalation: 20% ↑",
        "p50 2m ↑, p90 60m ↑",
        "SLA breaches: 3 ↑ (was 0)",
        "Expired without a decision: 1 ↑",
        "Agreement: 75%",
        "Tokens: 1,500 of 2,000,000 (0% of",
        "Error budget: EXCEEDED: 2 of 8 rejected in 7 days (25%, limit 20%)",
        "Approvals under 5 s after the card appeared: 1",
        "@U0OWNER1 approved every one of more than 20",
        "(e.g. mission M-ABCDEF)",
        "25 of 25 decisions approved in 14 days (100%)",
        "set `auto_approve: {amount: {lte: 180}}` on helpdesk.tool_0",
    ):
        assert expected in out, expected


def test_block_kit_stays_within_slack_limits_even_for_a_huge_week():
    for size in (digest(), digest(promotions=80, reason_len=2900)):
        blocks = render.blocks(size)
        assert message_error({"text": render.title(size), "blocks": blocks}) is None
        assert len(blocks) <= MAX_MESSAGE_BLOCKS
    huge = render.blocks(digest(promotions=80))
    assert "More in `missionbot digest support-triage`" in huge[-1]["elements"][0]["text"]
    assert "Error budget: EXCEEDED" in json.dumps(render.blocks(digest()), ensure_ascii=False)


def test_adaptive_card_validates_against_the_1_5_schema():
    payload = render.adaptive_card(digest(promotions=3))
    assert payload["version"] == "1.5"
    stripped = copy.deepcopy(payload)
    assert stripped.pop("msteams") == {"width": "Full"}
    jsonschema.Draft6Validator(SCHEMA).validate(stripped)
    facts = {
        f["title"]: f["value"]
        for block in payload["body"]
        if block["type"] == "FactSet"
        for f in block["facts"]
    }
    assert facts["Acceptance"].startswith("75% ↓")


def test_a_huge_week_keeps_the_adaptive_card_under_teams_message_size():
    payload = render.adaptive_card(digest(promotions=80, reason_len=2900))
    assert len(json.dumps(payload)) < 28_000
    assert payload["body"][-1]["text"] == "More in `missionbot digest support-triage`."
    stripped = copy.deepcopy(payload)
    stripped.pop("msteams")
    jsonschema.Draft6Validator(SCHEMA).validate(stripped)
