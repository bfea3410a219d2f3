"""Real cards for renderer and messenger tests:
a Proposal through `card_for` with the shipped worker config."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from slack_sdk import WebClient

from bot.core.cards import Card, card_for
from bot.core.config import load_workers
from bot.core.config.models import WorkerConfig
from bot.core.models import Proposal

CONFIGS = Path(__file__).resolve().parents[3] / "worker_configs"
CREATED = datetime(2024, 5, 6, 9, 30, tzinfo=UTC)
DECIDED = datetime(2024, 5, 6, 9, 41, 7, tzinfo=UTC)


@cache
def support_triage() -> WorkerConfig:
    return load_workers(CONFIGS)["support-triage"]


def proposal(**change: Any) -> Proposal:
    values: dict[str, Any] = {
        "id": "P0001",
        "mission_id": "M0001",
        "worker": "support-triage",
        "tool": "helpdesk.issue_credit",
        "args": {"account_id": "ACME-7", "amount": 120.0, "reason": "ESC-1234: duplicate charge"},
        "tier": "execute",
        "rule": "execute tier needs an approver",  # as the gate writes it
        "description": "Issue a service credit to an account.",
        "rationale": "Duplicate charge. Requested 120 against a gold-tier cap of 200.",
        "requester": "U0REQUESTER",
        "created_at": CREATED,
    }
    return Proposal(**{**values, **change})


def card(**change: Any) -> Card:
    return card_for(proposal(**change), support_triage())


def client(url: str) -> WebClient:
    return WebClient(base_url=url, token="xoxb-test")
