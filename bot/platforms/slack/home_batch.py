"""App Home batch decisions: for each tool with several pending cards, a checkbox list of them (exact ids)
with "Approve selected" and, with a reason code, "Reject selected". Kept apart from the Home tab's own
layout (app_home.py): this adds its blocks on top and reads what was selected back off the view's state.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from bot.core.card_edits import versioned, versions_of
from bot.core.cards import Card
from bot.platforms.slack.blockkit import args_summary
from bot.platforms.slack.buttons import mrkdwn_text, plain_text
from bot.platforms.slack.mrkdwn import escape, truncate

BATCH_PICK = "mb_batch_pick"
BATCH_REASON = "mb_batch_reason"
BATCH_APPROVE = "mb_batch_approve"
BATCH_REJECT = "mb_batch_reject"
MAX_OPTIONS = 10  # Slack's limit for a checkboxes element
MAX_GROUPS = 4  # at most 8 blocks on top of the Home tab


def _group(cards: list[Card]) -> list[list[Card]]:
    def tool(card: Card) -> tuple[str, str]:
        return (card.worker, card.tool)

    groups = [list(g) for _, g in groupby(sorted(cards, key=tool), key=tool)]
    return [g for g in groups if len(g) > 1][:MAX_GROUPS]


def batch_blocks(cards: list[Card]) -> list[dict[str, Any]]:
    """Two blocks per tool with several pending cards; none when no tool has two."""
    blocks: list[dict[str, Any]] = []
    for i, group in enumerate(_group(cards)):
        first = group[0]
        options = [
            {
                "text": mrkdwn_text(f"`{escape(c.mission_id)}` {args_summary(c, limit=120)}"),
                "value": versioned(c.proposal_id, c.args_version),  # the arguments shown: stale if edited
            }
            for c in group[:MAX_OPTIONS]
        ]
        reasons = [{"text": plain_text(r, 75), "value": r} for r in first.reason_codes[:100]]
        tool = truncate(escape(first.tool), 100)
        head = f"*Decide several:* {tool} ({len(group)} waiting; each is its own decision)"
        blocks += [
            {"type": "section", "text": mrkdwn_text(head)},
            {
                "type": "actions",
                "block_id": f"mb_batch:{i}",
                "elements": [
                    {"type": "checkboxes", "action_id": BATCH_PICK, "options": options},
                    {
                        "type": "button",
                        "action_id": BATCH_APPROVE,
                        "value": str(i),
                        "style": "primary",
                        "text": plain_text("Approve selected", 75),
                    },
                    {
                        "type": "static_select",
                        "action_id": BATCH_REASON,
                        "options": reasons,
                        "placeholder": plain_text("Reason to reject", 75),
                    },
                    {
                        "type": "button",
                        "action_id": BATCH_REJECT,
                        "value": str(i),
                        "style": "danger",
                        "text": plain_text("Reject selected", 75),
                    },
                ],
            },
        ]
    return blocks


def with_batches(
    view: dict[str, Any], cards: list[Card], *, note: str = "", max_blocks: int = 100
) -> dict[str, Any]:
    """The Home view with the delegations `note` and the batch blocks after its header, still within
    Slack's block limit (the single cards at its end give way; they stay decidable from their channel)."""
    extra = [{"type": "context", "elements": [mrkdwn_text(truncate(escape(note), 2000))]}] if note else []
    extra += batch_blocks(cards)
    if not extra:
        return view
    blocks = [*view["blocks"][:1], *extra, *view["blocks"][1:]]
    if len(blocks) > max_blocks:
        blocks = blocks[: max_blocks - 1] + blocks[-1:]
    return {**view, "blocks": blocks}


def picked(body: dict[str, Any]) -> tuple[dict[str, int | None], str | None]:
    """({ticked proposal id: the arguments' version it showed} of the clicked batch, the chosen reason code);
    ValueError when malformed."""
    block = ((body.get("actions") or [{}])[0]).get("block_id") or ""
    state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    elements = state.get(block) or {}
    ticked = (elements.get(BATCH_PICK) or {}).get("selected_options") or []
    reason = ((elements.get(BATCH_REASON) or {}).get("selected_option") or {}).get("value")
    seen = versions_of([o.get("value") for o in ticked if isinstance(o, dict)])
    return seen, reason if isinstance(reason, str) else None
