"""Make untrusted text (model output, tool results, ticket bodies) unable to ping or link anyone.

Platform-neutral: the Slack renderer still escapes mrkdwn (`bot/render/mrkdwn.py`); this runs before
text reaches any messenger, so the console, Teams and Slack all receive it inert.
"""

from __future__ import annotations

import re
from typing import Any

from bot.nested import map_strings

_ZW = "\u200b"  # a zero-width space after "@" breaks every platform's mention parser, and reads the same
_SLACK_SPECIAL = re.compile(r"<!([a-z^][^>|]*)(?:\|([^>]*))?>", re.IGNORECASE)  # <!channel>, <!subteam^S1|x>
_SLACK_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
_SLACK_LINK = re.compile(r"<((?:https?|mailto|ftp)[^>|]*)(?:\|([^>]*))?>", re.IGNORECASE)
_TEAMS_AT = re.compile(r"</?at>", re.IGNORECASE)
_BROADCAST = re.compile(r"@(channel|here|everyone|all)\b", re.IGNORECASE)
_USER_REF = re.compile(r"@([UW][A-Z0-9]{2,})\b")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.[^\s/]+\.\S+", re.IGNORECASE)
LINK_REMOVED = "[link removed]"


def defang_broadcasts(text: str) -> str:
    """Broadcast mentions in any platform syntax become plain words. Core text keeps its own @U… refs."""
    text = _SLACK_SPECIAL.sub(lambda m: "@" + _ZW + (m.group(2) or m.group(1).split("^")[0]).lstrip("@"), text)
    text = _SLACK_USER.sub(lambda m: "@" + _ZW + m.group(1), text)
    text = _TEAMS_AT.sub("", text)
    return _BROADCAST.sub(lambda m: "@" + _ZW + m.group(1), text)


def defang(text: str) -> str:
    """Untrusted text: no broadcast, no mention of a person, no link survives."""
    text = _SLACK_LINK.sub(lambda m: f"{m.group(2) or ''} {LINK_REMOVED}".strip(), text)
    text = defang_broadcasts(text)
    text = _USER_REF.sub(lambda m: "@" + _ZW + m.group(1), text)
    return _URL.sub(LINK_REMOVED, text)


def defang_value(value: Any) -> Any:
    return map_strings(defang, value)
