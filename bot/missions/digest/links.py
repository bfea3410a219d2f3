"""Where a person can open a mission: a URL to its thread on the mission's platform, when there is one.

Slack: `app_redirect` opens the channel at the thread's root message in whatever workspace the reader
is signed in to (no workspace domain or `chat.getPermalink` round trip needed). Teams: the message
deep link for a channel thread (`19:…` conversation, root message id). Console missions have no URL;
their reference is the mission id itself (`/status <id>` in the shell).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from bot.core.models import Mission

SLACK_REDIRECT = "https://slack.com/app_redirect"
TEAMS_MESSAGE = "https://teams.microsoft.com/l/message"


def _thread_root(mission: Mission) -> str | None:
    """The root message of the mission's thread: the request's thread, else the status message."""
    if mission.thread:
        return mission.thread
    ref = mission.status_ref
    return (ref.thread or ref.ts or None) if ref else None


def mission_link(mission: Mission) -> str | None:
    root = _thread_root(mission)
    if not root:
        return None
    if mission.platform == "slack":
        return f"{SLACK_REDIRECT}?{urlencode({'channel': mission.conversation, 'message_ts': root})}"
    if mission.platform == "teams" and mission.conversation.startswith("19:"):
        return f"{TEAMS_MESSAGE}/{quote(mission.conversation, safe='')}/{quote(root, safe='')}"
    return None
