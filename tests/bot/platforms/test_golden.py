"""One card in each state, rendered by the three renderers, compared with golden files.

A deliberate change of wording or layout: regenerate with
`UPDATE_GOLDEN=1 python -m pytest tests/bot/platforms/test_golden.py` and review the diff of `golden/`.
The Block Kit copy is also checked against Slack's limits, the Adaptive Card against the 1.5 schema.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bot.core.cards import Card, card_for
from bot.core.precedent import Precedent
from bot.platforms.console.text import render_card
from bot.platforms.slack.blockkit import card_blocks
from bot.platforms.slack.messenger import slack_text
from bot.platforms.teams.adaptive import card_payload
from tests.bot.core.card_factories import DECIDED, proposal, support_triage
from tests.bot.platforms.teams.test_adaptive import valid
from tests.support.slack_limits import message_error

GOLDEN = Path(__file__).parent / "golden"
THREAD = "https://slack.com/app_redirect?channel=C0SUPPORT&message_ts=1714987800.000100"
NAMES = {"U0OWNER1": "Ada Owner", "U0REQUESTER": "Rita Requester", "U0MANAGER": "Max Manager"}

STATES: dict[str, dict[str, Any]] = {
    "pending": {},
    "executed": {
        "status": "executed",
        "decided_by": "U0OWNER1",
        "decided_at": DECIDED,
        "decided_on": "slack",
    },
    "rejected": {
        "status": "rejected",
        "decided_by": "U0OWNER1",
        "decided_at": DECIDED,
        "decided_on": "teams",
        "reason_code": "wrong_amount",
        "comment": "the contract caps it at 100",
    },
    "expired": {"status": "expired"},
    "halted": {"status": "halted", "halted_by": "U0MANAGER"},
}


# How similar proposals were decided (a pending card only), one mission with a thread link, one without.
PRECEDENTS = [
    Precedent(
        proposal="M0990-s5",
        mission="M0990",
        outcome="rejected",
        reason_code="wrong_amount",
        at=DECIDED,
        link="https://slack.com/app_redirect?channel=C0SUPPORT&message_ts=1714900000.000200",
    ),
    Precedent(proposal="M0980-s5", mission="M0980", outcome="approved", at=DECIDED),
]


def _card(state: str) -> Card:
    precedents = PRECEDENTS if state == "pending" else None
    return card_for(proposal(**STATES[state]), support_triage(), thread_link=THREAD, precedents=precedents)


def _renderings(card: Card) -> dict[str, str]:
    blocks = card_blocks(card)
    assert message_error({"text": card.notification(), "blocks": blocks}) is None  # Slack's limits
    teams = valid(card_payload(card, who=lambda user: NAMES.get(user, user)))
    return {
        "slack.json": json.dumps(
            {"text": slack_text(card.notification()), "blocks": blocks}, indent=1, ensure_ascii=False
        ),
        "teams.json": json.dumps(teams, indent=1, ensure_ascii=False),
        "console.txt": render_card(card, number=1),
    }


@pytest.mark.parametrize("state", list(STATES))
def test_each_renderer_matches_its_golden_file(state: str) -> None:
    for suffix, rendered in _renderings(_card(state)).items():
        path = GOLDEN / f"{state}.{suffix}"
        if os.environ.get("UPDATE_GOLDEN"):
            path.write_text(rendered + "\n", encoding="utf-8")
        assert path.read_text(encoding="utf-8") == rendered + "\n", f"{path.name}: UPDATE_GOLDEN=1 to accept"


@pytest.mark.parametrize("state", list(STATES))
def test_no_platform_markup_leaks_into_another(state: str) -> None:
    rendered = _renderings(_card(state))
    for other in ("teams.json", "console.txt"):
        assert "<@" not in rendered[other] and "*" not in rendered[other], (state, other)
    assert "**" not in rendered["slack.json"]  # Slack bold is a single star


def test_the_header_states_what_happened_in_the_same_words_as_the_notification() -> None:
    expected = {
        "pending": "Approval needed",
        "executed": "Approved and executed by @U0OWNER1",
        "rejected": "Rejected by @U0OWNER1: wrong amount",
        "expired": "Expired",
        "halted": "Halted by @U0MANAGER",
    }
    for state, headline in expected.items():
        card = _card(state)
        assert card.headline() == headline and card.notification().startswith(headline)
    # body[0] is the worker's name (the sender header), then the state
    teams = card_payload(_card("halted"), who=lambda user: NAMES.get(user, user))
    assert teams["body"][1]["text"] == "Halted by Max Manager" and teams["fallbackText"].startswith(
        "Halted by Max"
    )
