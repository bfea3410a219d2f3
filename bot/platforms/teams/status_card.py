"""A mission's status message on Teams while it is open: its line and the requester's Cancel button
(Action.Execute, verb `CANCEL`, the mission id in its data). The requester check is the core's, at the click
(bot/missions/requesters.py); a closed mission's status is plain text again."""

from __future__ import annotations

from typing import Any

from bot.platforms.teams.adaptive import CONTENT_TYPE, SCHEMA_URL, VERSION

CANCEL = "mb_cancel"


def status_card(text: str, *, mission_id: str) -> dict[str, Any]:
    """The attachment: `text` already in Teams' markdown."""
    content = {
        "type": "AdaptiveCard",
        "version": VERSION,
        "body": [{"type": "TextBlock", "text": text, "wrap": True}],
        "actions": [
            {
                "type": "Action.Execute",
                "title": "Cancel mission",
                "verb": CANCEL,
                "style": "destructive",
                "data": {"mission_id": mission_id},
            }
        ],
        "msteams": {"width": "Full"},
    }
    return {"contentType": CONTENT_TYPE, "content": {"$schema": SCHEMA_URL, **content}}


def cancel_of(raw: dict[str, Any]) -> str | None:
    """The mission id of a Cancel invoke (`adaptiveCard/action`, verb `CANCEL`), else None."""
    value = raw.get("value")
    action = value.get("action") if isinstance(value, dict) else None
    if raw.get("type") != "invoke" or not isinstance(action, dict) or action.get("verb") != CANCEL:
        return None
    data = action.get("data")
    mission_id = data.get("mission_id") if isinstance(data, dict) else None
    return mission_id if isinstance(mission_id, str) and mission_id else None
