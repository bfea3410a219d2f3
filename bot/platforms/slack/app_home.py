"""The App Home tab: the caller's pending decisions, with Approve/Reject buttons, within 100 blocks; and,
for a worker's owner, a manager's section per worker they own (`manager_blocks`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.cards import Card
from bot.platforms.slack.blockkit import HEADER_CHARS, args_summary, headline_of
from bot.platforms.slack.buttons import decision_buttons, mrkdwn_text, plain_text
from bot.platforms.slack.mrkdwn import escape, truncate

VIEW_BLOCKS = 100
_HOME_BLOCKS_PER_CARD = 3
MAX_PANELS = 5  # each a header, its figures, its chart and a note: at most 20 of the 100 blocks
SECTION_CHARS = 3000


def manager_blocks(panels: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The owner's view (bot/missions/digest/home.py `Panel`): per worker this week's figures and trends,
    the error budget, the promotion suggestion, and the chart the last digest uploaded (by file id)."""
    blocks: list[dict[str, Any]] = []
    for panel in panels[:MAX_PANELS]:
        blocks.append({"type": "header", "text": plain_text(panel["title"], HEADER_CHARS)})
        body = "\n".join(escape(line) for line in panel["lines"])
        blocks.append({"type": "section", "text": mrkdwn_text(truncate(body, SECTION_CHARS))})
        if panel.get("chart_file"):
            blocks.append(
                {
                    "type": "image",
                    "slack_file": {"id": panel["chart_file"]},
                    "alt_text": truncate(panel["chart_alt"], 2000),
                }
            )
        else:
            note = "The chart comes with the next weekly digest posted on Slack."
            blocks.append({"type": "context", "elements": [mrkdwn_text(note)]})
    if len(panels) > MAX_PANELS:
        more = f"…and {len(panels) - MAX_PANELS} more workers: `missionbot digest <worker>`."
        blocks.append({"type": "context", "elements": [mrkdwn_text(more)]})
    return blocks


def _home_card(card: Card) -> list[dict[str, Any]]:
    text = (
        f"*{truncate(escape(card.worker_display), 100)}* · {truncate(escape(headline_of(card)), 200)}\n"
        f"{args_summary(card, limit=300)}\n"
        f"*Why* {truncate(escape(card.rationale), 300) or '_none given_'}\n"
        f"_tier_ `{escape(card.tier)}` · mission `{escape(card.mission_id)}`"
    )
    return [{"type": "divider"}, {"type": "section", "text": mrkdwn_text(text)}, decision_buttons(card)]


def home_view(cards: list[Card], panels: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """App Home: the manager's section first when the caller owns a worker, then the caller's pending
    decisions in the order given (oldest first), within 100 blocks."""
    blocks: list[dict[str, Any]] = manager_blocks(panels)
    blocks.append({"type": "header", "text": plain_text("Your pending decisions", HEADER_CHARS)})
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
