"""The App Home tab: the caller's pending decisions, with Approve/Reject buttons, within 100 blocks."""

from __future__ import annotations

from typing import Any

from bot.core.cards import Card
from bot.platforms.slack.blockkit import HEADER_CHARS, args_summary, decision_buttons, mrkdwn_text, plain_text
from bot.platforms.slack.mrkdwn import escape, truncate

VIEW_BLOCKS = 100
_HOME_BLOCKS_PER_CARD = 3


def _home_card(card: Card) -> list[dict[str, Any]]:
    text = (
        f"*{truncate(escape(card.worker_display), 100)}* · {truncate(escape(card.title), 200)}\n"
        f"{args_summary(card, limit=300)}\n"
        f"*Why* {truncate(escape(card.rationale), 300) or '_none given_'}\n"
        f"_tier_ `{escape(card.tier)}` · mission `{escape(card.mission_id)}`"
    )
    return [{"type": "divider"}, {"type": "section", "text": mrkdwn_text(text)}, decision_buttons(card)]


def home_view(cards: list[Card]) -> dict[str, Any]:
    """App Home: the caller's pending decisions in the order given (oldest first), within 100 blocks."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain_text("Your pending decisions", HEADER_CHARS)}
    ]
    if not cards:
        blocks.append({"type": "section", "text": mrkdwn_text("Nothing is waiting for your decision.")})
        return {"type": "home", "blocks": blocks}
    blocks.append({"type": "context", "elements": [mrkdwn_text(f"{len(cards)} waiting, oldest first.")]})
    room = (VIEW_BLOCKS - len(blocks) - 1) // _HOME_BLOCKS_PER_CARD  # keep one block for the overflow note
    for card in cards[:room]:
        blocks += _home_card(card)
    if (hidden := max(len(cards) - room, 0)) > 0:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    mrkdwn_text(
                        f"…and {hidden} more. "
                        "Decide on the ones above, or open them from their approvals channel."
                    )
                ],
            }
        )
    return {"type": "home", "blocks": blocks}
