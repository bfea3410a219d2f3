"""The reject-reason modal: its fields, and acceptance by a Slack-strict mock API."""

from __future__ import annotations

from bot.platforms.slack.modals import REJECT_MODAL, reject_modal
from tests.bot.core.card_factories import card, client
from tests.support.mock_slack_api import MockSlackApi


def test_reject_modal_is_valid_and_carries_the_proposal_and_reason_codes(
    mock_slack_api: MockSlackApi,
) -> None:
    view = reject_modal(card(args={"note": "x" * 10_000}))

    assert (view["callback_id"], view["private_metadata"]) == (REJECT_MODAL, "P0001")
    reason = next(b for b in view["blocks"] if b.get("block_id") == "reason")
    assert reason["element"]["action_id"] == "reason_code"
    assert [o["value"] for o in reason["element"]["options"]] == [
        "wrong_amount",
        "policy_violation",
        "needs_more_info",
        "other",
    ]
    comment = next(b for b in view["blocks"] if b.get("block_id") == "comment")
    assert comment["optional"] and comment["element"]["action_id"] == "comment"
    assert comment["element"]["multiline"]
    answer = client(mock_slack_api.url).views_open(trigger_id="1.2.abc", view=view)
    assert answer["view"]["callback_id"] == REJECT_MODAL


def test_reject_modal_names_the_state_and_action_and_labels_the_arguments() -> None:
    head = reject_modal(card())["blocks"][0]["text"]["text"]
    assert head.startswith("*Approval needed · Issue a service credit to an account.*\n")
    assert "Account ID: ACME-7 · Amount: $120" in head  # as the card's facts read
