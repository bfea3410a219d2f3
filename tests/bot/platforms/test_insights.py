"""The effect preview, an asked-again note and the precedent line reach all three renderers; a card without
them renders no such line (the golden files stay as they were)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.core.cards import card_for
from bot.core.precedent import Precedent
from bot.platforms.console.text import render_card
from bot.platforms.slack.blockkit import card_blocks
from bot.platforms.teams.adaptive import card_payload
from tests.bot.core.card_factories import proposal, support_triage

LINK = "https://slack.com/app_redirect?channel=C0SUPPORT&message_ts=1714987800.000100"
PRECEDENT = [
    Precedent(
        proposal="P9-s5",
        mission="M9",
        outcome="rejected",
        reason_code="wrong_amount",
        at=datetime.now(UTC),
        link=LINK,
    ),
    Precedent(proposal="P8-s5", mission="M8", outcome="approved", at=datetime.now(UTC)),
]
LINES = [
    "What will change: Balance $0 → $120; credit 1 this quarter",
    "Asked again, the world changed since the approval: Balance: $0 → $25",
    "Last 2 similar issue_credit: 1 approved, 1 rejected (wrong amount). "
    "mission M9 (rejected: wrong amount), mission M8 (approved)",
]


def renders() -> list[str]:
    card = card_for(
        proposal(
            preview="Balance $0 → $120; credit 1 this quarter",
            preview_changed="Balance: $0 → $25",
            asked=1,
        ),
        support_triage(),
        precedents=PRECEDENT,
    )
    assert card.insights == LINES
    as_json = [
        json.dumps(card_blocks(card), ensure_ascii=False),
        json.dumps(card_payload(card), ensure_ascii=False),
    ]
    return [render_card(card), *as_json]


def test_every_renderer_shows_the_lines():
    for text in renders():
        for line in LINES:
            assert line.split(":")[0] in text
        assert "M9" in text and "Balance $0 → $120" in text


def test_none_without_them():
    plain = card_for(proposal(), support_triage())
    assert plain.insights == []
    assert "What will change" not in render_card(plain)


def test_each_precedent_is_a_link_to_its_mission_where_the_platform_has_one():
    console, slack, teams = renders()
    assert "mission M9 (rejected: wrong amount), mission M8 (approved)" in console
    assert (
        f"mission <{LINK.replace('&', '&amp;')}|M9> (rejected: wrong amount), mission `M8` (approved)"
        in slack
    )
    assert f"mission [M9]({LINK}) (rejected: wrong amount), mission M8 (approved)" in teams


def test_a_line_too_long_for_its_share_loses_its_links_not_half_a_link():
    from bot.platforms.slack.blockkit import _insights  # noqa: PLC0415 - the section's text alone

    card = card_for(proposal(preview="Balance $0 → $120"), support_triage(), precedents=PRECEDENT)
    roomy, tight = _insights(card, 1.0), _insights(card, 0.05)
    assert f"<{LINK.replace('&', '&amp;')}|M9>" in roomy
    assert "<http" not in tight and "|M9>" not in tight and tight.startswith("What will change")
