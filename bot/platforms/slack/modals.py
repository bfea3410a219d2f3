"""Block Kit modals: the reject-reason modal an approver fills in before a rejection is recorded."""

from __future__ import annotations

from typing import Any

from bot.core.cards import Card
from bot.platforms.slack.blockkit import args_summary, headline_of, mrkdwn_text, plain_text
from bot.platforms.slack.mrkdwn import escape, truncate

REJECT_MODAL = "mb_reject_modal"


def reject_modal(card: Card) -> dict[str, Any]:
    """The reject-reason modal; `private_metadata` carries the proposal id back to the submit handler."""
    options = [
        {"text": plain_text(code.replace("_", " ").capitalize(), 75), "value": code[:150]}
        for code in card.reason_codes[:100]
    ]
    return {
        "type": "modal",
        "callback_id": REJECT_MODAL,
        "private_metadata": card.proposal_id,
        "title": plain_text("Reject proposal", 24),
        "submit": plain_text("Reject", 24),
        "close": plain_text("Cancel", 24),
        "blocks": [
            {
                "type": "section",
                "text": mrkdwn_text(
                    f"*{truncate(escape(headline_of(card)), 300)}*\n{args_summary(card, limit=2000)}"
                ),
            },
            {
                "type": "input",
                "block_id": "reason",
                "label": plain_text("Reason", 2000),
                "element": {
                    "type": "static_select",
                    "action_id": "reason_code",
                    "placeholder": plain_text("Pick a reason", 150),
                    "options": options,
                },
            },
            {
                "type": "input",
                "block_id": "comment",
                "optional": True,
                "label": plain_text("Comment", 2000),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "comment",
                    "multiline": True,
                    "max_length": 1000,
                },
            },
        ],
    }
