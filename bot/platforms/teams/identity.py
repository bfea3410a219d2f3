"""The AI worker's name and icon on Teams, where a bot cannot post under another name.

A card gets a header (icon and name) the card renderer can put first (`sender_header`); the messenger adds it
to the cards it posts (`with_sender`) unless the card already has one. A plain message starts with the name
unless it says it already ("⏳ Support Triage: gathering 1/3").
Slack shortcodes (`:robot_face:`) mean nothing on Teams: only `icon_url` gives a picture.
"""

from __future__ import annotations

from typing import Any

from bot.core.sender import Sender, spoken

HEADER_ID = "missionbot-sender"


def sender_header(sender: Sender) -> dict[str, Any]:
    """An Adaptive Card 1.5 element: the icon (when the worker has an `icon_url`) beside the bold name."""
    name = {"type": "TextBlock", "text": sender.name, "weight": "Bolder", "wrap": True}
    if not sender.icon_url:
        return {**name, "id": HEADER_ID}
    return {
        "type": "ColumnSet",
        "id": HEADER_ID,
        "columns": [
            {
                "type": "Column",
                "width": "auto",
                "items": [
                    {
                        "type": "Image",
                        "url": sender.icon_url,
                        "size": "Small",
                        "style": "Person",
                        "altText": sender.name,
                    }
                ],
            },
            {"type": "Column", "width": "stretch", "verticalContentAlignment": "Center", "items": [name]},
        ],
    }


def with_sender(content: dict[str, Any], sender: Sender | None) -> dict[str, Any]:
    """The card with the sender's icon and name first when the worker has an `icon_url` (without one, the
    card's own name suffices); a header the card has (the approval card renders one) is replaced: once."""
    if sender is None or not sender.icon_url:
        return content
    rest = [e for e in content.get("body", []) if not (isinstance(e, dict) and e.get("id") == HEADER_ID)]
    return {**content, "body": [sender_header(sender), *rest]}


def sender_text(text: str, sender: Sender | None) -> str:
    """A plain message under the worker's name (Teams shows the bot's), unless the text names it already."""
    return spoken(text, sender.name if sender else None)
