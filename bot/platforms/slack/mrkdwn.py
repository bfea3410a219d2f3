"""Slack mrkdwn text: escaping, our own mentions, and cutting text to Slack's size limits.

Escaping is the security boundary: tool output and model text may carry `<!channel>`, `<@U…>` or
`<https://evil|click>`; once `&`, `<` and `>` are escaped Slack shows them literally. Only text our
own code writes may contain mentions and links, and it adds them after escaping.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
# An entity cut in half ("&am") would show as garbage, so cuts back off over a trailing partial one.
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")
# The core writes user references as "@U0ABC123" (Slack user ids start with U, or W on Enterprise Grid).
_CORE_MENTION = re.compile(r"(?<![\w.@&<|;])@([UW][A-Z0-9]{2,})\b")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def escape(text: str) -> str:
    """Make text inert in mrkdwn: `<!channel>` becomes `&lt;!channel&gt;`, shown as typed."""
    for raw, entity in _ESCAPES:
        text = text.replace(raw, entity)
    return text


def mention(user_id: str) -> str:
    """A real mention for a Slack user id; anything else (e.g. "auto", a console name) stays inert text."""
    return f"<@{user_id}>" if _USER_ID.fullmatch(user_id) else escape(user_id)


def link_core_mentions(escaped: str) -> str:
    """Turn the core's `@U…` markers into mentions; run on already-escaped text only."""
    return _CORE_MENTION.sub(lambda m: f"<@{m.group(1)}>", escaped)


def slack_date(when: datetime, fallback: str | None = None) -> str:
    """A timestamp Slack shows in each reader's own time zone; `fallback` (the card's `Formats.when`, else
    UTC) is what a client that cannot render it shows."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    fallback = fallback or aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _safe_cut(text: str, at: int) -> int:
    """Largest cut point <= at that does not split an HTML entity."""
    partial = _PARTIAL_ENTITY.search(text[:at])
    return partial.start() if partial else at


def truncate(escaped: str, limit: int, *, what: str = "characters") -> str:
    """Fit already-escaped text into `limit` characters, saying how much was left out."""
    if len(escaped) <= limit:
        return escaped
    note = f"… _(truncated: {len(escaped):,} {what}, first {{shown:,}} shown)_"
    room = max(limit - len(note.format(shown=limit)), 0)
    cut = _safe_cut(escaped, room)
    return escaped[:cut] + note.format(shown=cut)


def split_text(text: str, *, limit: int = 3000) -> list[str]:
    """Split text into chunks of at most `limit` characters, on line, then word, boundaries.

    Safe on escaped text: a hard cut (a "word" longer than the limit) never splits an entity.
    """
    if limit < 8:
        raise ValueError("limit must leave room for at least one entity")
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]  # a boundary right after the limit still allows a full chunk
        cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = _safe_cut(rest, limit)
            chunks.append(rest[:cut])
            rest = rest[cut:]
            continue
        chunks.append(rest[:cut])
        rest = rest[cut + 1 :]  # the boundary itself is dropped; the chunk break replaces it
    if rest or not chunks:
        chunks.append(rest)
    return [chunk for chunk in chunks if chunk.strip()] or [text[:limit]]
