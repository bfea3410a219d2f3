"""The status message of a mission in Block Kit: its line of text and, while the mission is open, a
Cancel button for its requester (the button's value is the mission id; the requester check is the core's,
bot/missions/requesters.py, at the click)."""

from __future__ import annotations

from typing import Any

ACTION_CANCEL = "mb_cancel_mission"
STATUS_BLOCK = "mb_status"


def status_blocks(mrkdwn: str, *, cancel: str | None) -> list[dict[str, Any]]:
    """`mrkdwn`: the status line already made safe for Slack. `cancel`: the open mission's id, else None
    (a closed mission's status message keeps no button)."""
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}]
    if cancel is None:
        return blocks
    button = {
        "type": "button",
        "action_id": ACTION_CANCEL,
        "text": {"type": "plain_text", "text": "Cancel mission"},
        "value": cancel,
        "style": "danger",
        "confirm": {
            "title": {"type": "plain_text", "text": "Cancel this mission?"},
            "text": {"type": "plain_text", "text": f"{cancel} stops; its open cards say it was cancelled."},
            "confirm": {"type": "plain_text", "text": "Cancel it"},
            "deny": {"type": "plain_text", "text": "Keep it"},
        },
    }
    return [*blocks, {"type": "actions", "block_id": STATUS_BLOCK, "elements": [button]}]
