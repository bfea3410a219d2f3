"""The Teams batch list: an approver's pending cards as one Adaptive Card, grouped by tool, each group a
multi-select Input.ChoiceSet of exact proposal ids with "Approve selected" / "Reject selected"
(Action.Execute; the invoke carries the group's ticked ids and reason). The batch itself is the core's
(bot/missions/batch.py): each card its own decision, authorization check and audit event."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from bot.core.card_edits import versioned, versions_of
from bot.core.cards import Card
from bot.platforms.teams.adaptive import CONTENT_TYPE, SCHEMA_URL, VERSION

BATCH_APPROVE, BATCH_REJECT = "mb_batch_approve", "mb_batch_reject"
MAX_GROUPS, MAX_CHOICES = 6, 50  # a readable card; 50 is the batch's own limit


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _tool(card: Card) -> tuple[str, str]:
    return (card.worker, card.tool)


def _choice(card: Card) -> dict[str, str]:
    args = ", ".join(f"{name}={value}" for name, value in card.fields) or "no arguments"
    value = versioned(card.proposal_id, card.args_version)  # the arguments shown: refused if edited since
    return {"title": f"{card.mission_id}: {args}"[:200], "value": value}


def _group(i: int, cards: list[Card]) -> list[dict[str, Any]]:
    first = cards[0]
    data = {"group": str(i)}
    return [
        _text(
            f"{first.tool} ({first.worker_display}): {len(cards)} waiting", weight="Bolder", separator=True
        ),
        {
            "type": "Input.ChoiceSet",
            "id": f"pick_{i}",
            "isMultiSelect": True,
            "style": "expanded",
            "choices": [_choice(c) for c in cards[:MAX_CHOICES]],
        },
        {
            "type": "Input.ChoiceSet",
            "id": f"reason_{i}",
            "placeholder": "Reason to reject",
            "choices": [{"title": r, "value": r} for r in first.reason_codes[:100]],
        },
        {
            "type": "ActionSet",
            "actions": [
                {"type": "Action.Execute", "title": "Approve selected", "verb": BATCH_APPROVE, "data": data},
                {"type": "Action.Execute", "title": "Reject selected", "verb": BATCH_REJECT, "data": data},
            ],
        },
    ]


def batch_card(cards: list[Card], *, note: str = "") -> dict[str, Any]:
    """The card's content; `note`: what the last batch did (shown first). Each proposal appears once."""
    body = [_text(note)] if note else []
    by_tool = [list(g) for _, g in groupby(sorted(cards, key=_tool), key=_tool)]
    if not by_tool:
        body.append(_text("Nothing waits for your decision."))
    else:
        body.append(_text("Your pending cards. Each one you select is its own decision.", weight="Bolder"))
    for i, group in enumerate(by_tool[:MAX_GROUPS]):
        body += _group(i, group)
    content = {"type": "AdaptiveCard", "version": VERSION, "body": body, "msteams": {"width": "Full"}}
    return {"$schema": SCHEMA_URL, **content}


def attachment(cards: list[Card]) -> dict[str, Any]:
    """The card as a message attachment (the answer to `/mission pending`)."""
    return {"contentType": CONTENT_TYPE, "content": batch_card(cards)}


def batch_of(raw: dict[str, Any]) -> tuple[bool, dict[str, int | None], str | None] | None:
    """(approve?, {ticked proposal id: the arguments' version it showed}, the reason code) of a batch
    invoke; None when it is not one;
    ValueError when its selection is malformed. A multi-select sends its values comma-separated."""
    value = raw.get("value")
    action = value.get("action") if isinstance(value, dict) else None
    if raw.get("type") != "invoke" or not isinstance(action, dict):
        return None
    verb, data = action.get("verb"), action.get("data")
    if verb not in {BATCH_APPROVE, BATCH_REJECT}:
        return None
    if not isinstance(data, dict):
        raise ValueError("malformed selection")
    group = str(data.get("group", ""))
    ticked, reason = data.get(f"pick_{group}") or "", data.get(f"reason_{group}") or None
    if not isinstance(ticked, str) or not (reason is None or isinstance(reason, str)):
        raise ValueError("malformed selection")
    return verb == BATCH_APPROVE, versions_of([t for t in ticked.split(",") if t]), reason
