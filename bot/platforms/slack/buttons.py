"""Block Kit text objects and the buttons a card carries: Approve (confirmed when asked), Approve with
changes, Reject, and Undo. The `action_id`s here are what the listeners (handlers/slack/actions.py) match."""

from __future__ import annotations

from typing import Any

from bot.core.card_edits import versioned
from bot.core.cards import Card
from bot.platforms.slack.mrkdwn import escape, truncate

ACTION_APPROVE = "mb_approve"
ACTION_APPROVE_EDIT = "mb_approve_edit"  # opens the "Approve with changes" modal (modals.py)
ACTION_REJECT = "mb_reject"
ACTION_UNDO = "mb_undo"


def plain_text(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object cut to the `limit` of its place (Slack rejects a long one, never cuts it)."""
    return {
        "type": "plain_text",
        "text": text if len(text) <= limit else text[: limit - 1] + "…",
        "emoji": True,
    }


def mrkdwn_text(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def decision_buttons(card: Card) -> dict[str, Any]:
    """Approve (confirmed when the card asks for it) and Reject…, on the card and in the App Home."""
    approve: dict[str, Any] = {
        "type": "button",
        "action_id": ACTION_APPROVE,
        "value": versioned(card.proposal_id, card.args_version),  # a stale copy's click is refused
        "style": "primary",
        "text": plain_text("Approve", 75),
    }
    if card.needs_confirm and not card.shadow:  # a shadow approval runs nothing, so nothing to confirm
        tool = truncate(escape(card.tool), 100)
        approve["confirm"] = {
            "title": plain_text("Run this action?", 100),
            "text": mrkdwn_text(f"Approving runs `{tool}` for real with the arguments on this card."),
            "confirm": plain_text("Approve and run", 30),
            "deny": plain_text("Cancel", 30),
            "style": "primary",
        }
    reject = {
        "type": "button",
        "action_id": ACTION_REJECT,
        "value": card.proposal_id,
        "style": "danger",
        "text": plain_text("Reject…", 75),
    }
    edit = {
        "type": "button",
        "action_id": ACTION_APPROVE_EDIT,
        "value": card.proposal_id,
        "text": plain_text("Approve with changes…", 75),
    }
    return {
        "type": "actions",
        "block_id": f"mb_decide:{card.proposal_id}"[:255],
        "elements": [approve, *([edit] if card.editable else []), reject],
    }


def undo_button(card: Card) -> dict[str, Any]:
    """Asks for the undo (itself a proposal an approver decides); the core refuses it after the window."""
    tool = truncate(escape(card.undo_tool or ""), 100)
    button = {
        "type": "button",
        "action_id": ACTION_UNDO,
        "value": card.proposal_id,
        "text": plain_text("Undo", 75),
        "confirm": {
            "title": plain_text("Ask to undo this?", 100),
            "text": mrkdwn_text(f"This proposes `{tool}` to reverse the action; an approver decides."),
            "confirm": plain_text("Propose undo", 30),
            "deny": plain_text("Cancel", 30),
            "style": "danger",
        },
    }
    return {"type": "actions", "block_id": f"mb_undo:{card.proposal_id}"[:255], "elements": [button]}
