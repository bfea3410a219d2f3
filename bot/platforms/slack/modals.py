"""Block Kit modals: the reject-reason modal an approver fills in before a rejection is recorded, and the
"Approve with changes" modal with the card's editable arguments."""

from __future__ import annotations

from typing import Any

from bot.core.card_edits import EditField, versioned
from bot.core.cards import Card
from bot.platforms.slack.blockkit import args_summary, headline_of
from bot.platforms.slack.buttons import mrkdwn_text, plain_text
from bot.platforms.slack.mrkdwn import escape, truncate

REJECT_MODAL = "mb_reject_modal"
EDIT_MODAL = "mb_edit_modal"
EDIT_BLOCK = "edit:"  # + the argument's name: the input's block_id, read back on submission
EDIT_ACTION = "value"


def _summary(card: Card) -> dict[str, Any]:
    text = f"*{truncate(escape(headline_of(card)), 300)}*\n{args_summary(card, limit=2000)}"
    return {"type": "section", "text": mrkdwn_text(text)}


def _edit_input(field: EditField) -> dict[str, Any]:
    """A number_input with the bounds as min/max, or a plain_text_input with max_length; the current value
    is the initial one, so an untouched field submits what was proposed."""
    element: dict[str, Any] = {"action_id": EDIT_ACTION}
    if field.number:
        element |= {"type": "number_input", "is_decimal_allowed": True}
        element |= {"initial_value": field.value[:150]} if field.value else {}
        element |= {"min_value": f"{field.low:g}"} if field.low is not None else {}
        element |= {"max_value": f"{field.high:g}"} if field.high is not None else {}
    else:
        element |= {"type": "plain_text_input", "initial_value": field.value[:3000]}
        element |= {"max_length": field.max_length} if field.max_length else {}
    block: dict[str, Any] = {
        "type": "input",
        "block_id": f"{EDIT_BLOCK}{field.name}"[:255],
        "label": plain_text(field.label, 2000),
        "element": element,
    }
    if field.hint:
        block["hint"] = plain_text(field.hint, 2000)
    return block


def edit_modal(card: Card) -> dict[str, Any]:
    """Approve with changes: one input per editable argument; `private_metadata` carries the proposal id
    and the arguments' version the modal shows (another edit meanwhile: refused, bot/core/card_edits.py).
    The submission is judged by the decision (bounds, then the gate again) before the modal closes."""
    return {
        "type": "modal",
        "callback_id": EDIT_MODAL,
        "private_metadata": versioned(card.proposal_id, card.args_version),
        "title": plain_text("Approve with changes", 24),
        "submit": plain_text("Approve", 24),
        "close": plain_text("Cancel", 24),
        "blocks": [_summary(card), *(_edit_input(f) for f in card.editable[:20])],
    }


def edited_values(state: dict[str, dict[str, dict[str, Any]]]) -> dict[str, str]:
    """{argument: submitted text} from the edit modal's state (empty inputs left out)."""
    return {
        block.removeprefix(EDIT_BLOCK): str(value)
        for block, actions in state.items()
        if block.startswith(EDIT_BLOCK) and (value := (actions.get(EDIT_ACTION) or {}).get("value"))
    }


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
            _summary(card),
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
