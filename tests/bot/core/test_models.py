"""The records: plain pydantic models the store keeps as JSON; what "open" and "settled" mean lives here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import get_args

from bot.core.models import (
    OPEN_MISSION,
    SETTLED,
    Control,
    MessageRef,
    Mission,
    MissionStatus,
    Proposal,
    ProposalStatus,
)

NOW = datetime(2026, 3, 2, 10, tzinfo=UTC)


def mission(status: str = "queued") -> Mission:
    return Mission(
        id="M-ABC234",
        worker="w",
        mission="m",
        platform="slack",
        conversation="C1",
        thread="1.2",
        requester="U1",
        text="ESC-1",
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


def proposal(status: str = "pending") -> Proposal:
    return Proposal(
        id="P1", mission_id="M-ABC234", worker="w", tool="t.x", args={}, tier="write", requester="U1",
        created_at=NOW, status=status,
    )  # fmt: skip


def test_open_and_settled_are_subsets_of_the_statuses():
    assert set(get_args(MissionStatus)) > OPEN_MISSION and set(get_args(ProposalStatus)) > SETTLED
    assert [s for s in get_args(MissionStatus) if mission(s).is_open] == [
        "queued",
        "running",
        "awaiting_approval",
        "awaiting_info",
    ]
    unsettled = [s for s in get_args(ProposalStatus) if not proposal(s).settled]
    assert unsettled == ["pending", "approved", "executing"]


def test_records_round_trip_through_json_with_their_defaults():
    m = mission().model_copy(update={"status_ref": MessageRef(platform="slack", conversation="C1", ts="9.9")})
    assert Mission.model_validate_json(m.model_dump_json()) == m
    p = Proposal.model_validate_json(proposal().model_dump_json())
    assert p == proposal() and p.cards == [] and p.escalation_level == 0 and p.undo_of is None
    assert Control(autonomy="assisted").killed is False


def test_a_proposals_cards_are_its_own():
    a, b = proposal(), proposal()
    a.cards.append(MessageRef(platform="slack", conversation="C1", ts="1"))
    assert b.cards == []  # a default list is never shared between records
