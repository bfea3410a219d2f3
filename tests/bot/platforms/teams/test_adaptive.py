"""Adaptive Cards rendered from the shared card model, validated against the public 1.5 schema."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema
import pytest

from bot.platforms.teams.adaptive import APPROVE, REFRESH, REJECT, UNDO, card_payload, decision_line
from bot.platforms.teams.identity import HEADER_ID
from tests.bot.core.card_factories import DECIDED, card

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[3] / "fixtures/adaptive_cards/adaptive-card-1.5.0.json").read_text()
)


def valid(payload: dict) -> dict:
    # Teams adds a card-level `msteams` key (width etc.) that the public 1.5 schema does not know, and the
    # schema has additionalProperties: false everywhere; strip it and validate everything else.
    stripped = copy.deepcopy(payload)
    assert stripped.pop("msteams") == {"width": "Full"}
    jsonschema.Draft6Validator(SCHEMA).validate(stripped)
    return payload


def test_the_schema_rejects_what_it_should():
    with pytest.raises(jsonschema.ValidationError):
        valid({**card_payload(card()), "actions": [{"type": "Action.Execute", "verb": 3}]})


def test_an_open_card_has_execute_actions_a_reject_form_and_a_refresh_for_approvers():
    payload = valid(card_payload(card()))
    assert payload["version"] == "1.5"
    (factset,) = [b for b in payload["body"] if b["type"] == "FactSet"]
    facts = {f["title"]: f["value"] for f in factset["facts"]}
    assert facts == {"Account ID": "ACME-7", "Amount": "$120", "Reason": "ESC-1234: duplicate charge"}
    texts = [b.get("text", "") for b in payload["body"]]
    # The worker's name heads the card once (the sender header the messenger keeps), then the state.
    assert texts[:4] == [
        "Support Triage",
        "Approval needed",
        "Issue a service credit to an account. (helpdesk.issue_credit)",
        "asked by U0REQUESTER · mission M0001",
    ]
    assert payload["body"][0]["id"] == HEADER_ID and texts.count("Support Triage") == 1
    assert "An approver must say yes before this runs (it acts for real)." in texts
    approve, reject = payload["actions"]
    assert (approve["type"], approve["verb"], approve["data"]["proposal_id"]) == (
        "Action.Execute",
        APPROVE,
        "P0001",
    )
    assert reject["type"] == "Action.ShowCard"
    choice, comment = reject["card"]["body"]
    assert choice["type"] == "Input.ChoiceSet" and choice["id"] == "reason_code"
    assert [c["value"] for c in choice["choices"]] == [
        "wrong_amount",
        "policy_violation",
        "needs_more_info",
        "other",
    ]
    assert comment["type"] == "Input.Text" and comment["id"] == "comment"
    submit = reject["card"]["actions"][0]
    assert (submit["type"], submit["verb"]) == ("Action.Execute", REJECT)
    assert payload["refresh"]["action"]["verb"] == REFRESH
    # Teams wants MRIs there: the shipped approvers are Slack ids, so none is listed unless resolved.
    assert payload["refresh"]["userIds"] == []
    assert any("Duplicate charge" in b.get("text", "") for b in payload["body"])


def test_refresh_user_ids_are_teams_mris_at_most_sixty():
    mris = [f"29:user-{i}" for i in range(70)]
    payload = valid(card_payload(card(), refresh_users=mris))
    assert payload["refresh"]["userIds"] == mris[:60]
    configured = card().model_copy(update={"approvers": ["aad-1", "29:mri-2", "U0SLACK", "29:mri-2"]})
    assert card_payload(configured)["refresh"]["userIds"] == ["29:mri-2"]  # given as an MRI in config


def test_the_view_for_someone_who_may_not_decide_has_no_buttons():
    payload = valid(card_payload(card(), with_actions=False))
    assert "actions" not in payload and "refresh" in payload


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"status": "executed", "decided_by": "U0OWNER1", "decided_on": "slack", "decided_at": DECIDED},
            "Approved and executed by U0OWNER1 on Slack at May 6, 2024, 11:41 AM CEST",
        ),
        (
            {
                "status": "rejected",
                "decided_by": "U0LEAD",
                "decided_on": "teams",
                "decided_at": DECIDED,
                "reason_code": "wrong_amount",
                "comment": "too high",
            },
            "Rejected by U0LEAD on Teams at May 6, 2024, 11:41 AM CEST (wrong amount: too high)",
        ),
        ({"status": "expired"}, "Expired, no decision"),
    ],
)
def test_a_decided_card_has_no_actions_and_says_who_where_and_when(change, expected):
    decided = card(**change)
    payload = valid(card_payload(decided))
    # Only an executed action whose tool declares `undo:` keeps one button: Undo.
    assert [a["verb"] for a in payload.get("actions", [])] == ([UNDO] if decided.undo_tool else [])
    assert "refresh" not in payload
    assert decision_line(decided) == expected
    assert payload["body"][-1]["text"] == expected


def test_the_workers_name_and_icon_head_the_card_once():
    from bot.core.sender import Sender
    from bot.platforms.teams.identity import sender_text, with_sender

    sender = Sender("Support Agent", ":robot_face:", "https://example.test/agent.png")
    content = valid(with_sender(with_sender(card_payload(card()), sender), sender))
    first = content["body"][0]
    assert first["id"] == HEADER_ID and [e.get("id") for e in content["body"]].count(HEADER_ID) == 1
    assert first["columns"][0]["items"][0]["url"] == "https://example.test/agent.png"
    assert first["columns"][1]["items"][0]["text"] == "Support Agent"
    assert sender_text("done", Sender("Support Triage")) == "Support Triage: done"
    assert (
        sender_text("⏳ Support Triage: gathering", Sender("Support Triage"))
        == "⏳ Support Triage: gathering"
    )
    plain = card_payload(card())
    assert with_sender(plain, Sender("Support Triage", ":ticket:")) is plain  # no picture: the card names it
