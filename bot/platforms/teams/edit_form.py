"""The "Approve with changes…" form of a Teams card: an Action.ShowCard with one Input.Number or Input.Text
per editable argument (bounds as min/max/maxLength, the proposed value filled in) and an Action.Execute
whose data carries the inputs back (`associatedInputs: auto`, ids `edit_<argument>`)."""

from __future__ import annotations

from typing import Any

from bot.core.card_edits import EditField
from bot.core.cards import Card

APPROVE_EDIT = "mb_approve_edit"
INPUT_PREFIX = "edit_"


def _input(field: EditField) -> dict[str, Any]:
    label = f"{field.label} ({field.hint})" if field.hint else field.label
    element: dict[str, Any] = {"id": f"{INPUT_PREFIX}{field.name}", "label": label, "isRequired": True}
    if field.number:
        element |= {"type": "Input.Number", "errorMessage": f"A number, {field.hint or 'any'}"}
        element |= {"value": float(field.value)} if _is_number(field.value) else {}
        element |= {"min": field.low} if field.low is not None else {}
        element |= {"max": field.high} if field.high is not None else {}
        return element
    element |= {"type": "Input.Text", "value": field.value}
    return element | ({"maxLength": field.max_length} if field.max_length else {})


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def edit_action(card: Card, data: dict[str, str]) -> list[dict[str, Any]]:
    """The ShowCard action, or nothing when the card has no editable argument. `data` is the card's own
    action data for the verb (proposal id, `mb_verb`)."""
    if not card.editable:
        return []
    form = {
        "type": "AdaptiveCard",
        "body": [_input(f) for f in card.editable[:20]],
        "actions": [
            {
                "type": "Action.Execute",
                "title": "Approve with these changes",
                "verb": APPROVE_EDIT,
                "style": "positive",
                "data": data,
                "associatedInputs": "auto",
            }
        ],
    }
    return [{"type": "Action.ShowCard", "title": "Approve with changes…", "card": form}]


def edits_of(data: dict[str, Any]) -> dict[str, str]:
    """{argument: submitted value} from an invoke's data (the core judges the values)."""
    return {
        key.removeprefix(INPUT_PREFIX): str(value)[:4000]
        for key, value in data.items()
        if key.startswith(INPUT_PREFIX) and value is not None and str(value) != ""
    }
