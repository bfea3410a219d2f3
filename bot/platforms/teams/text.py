"""The core's neutral text as a Teams message: people by name, line breaks kept.

Teams reads a message's text as Markdown, where a single newline is not a break: each line becomes its own
paragraph. The core's `@id` markers (an approver, the requester, whoever pulled the kill switch) become the
name Teams told us for that person (bot/platforms/teams/users.py); an id stays only when no name is known.
"""

from __future__ import annotations

import re

from bot.core.messages import Who

# `@` + an id as the core writes it (Slack U…, Teams 29:…, an Entra object id); not an e-mail's `@`.
_MARKER = re.compile(r"(?<![\w.@])@([A-Za-z0-9][\w:.\-]*[\w])")


def teams_text(text: str, who: Who) -> str:
    named = _MARKER.sub(lambda m: _name(m.group(1), who), text)
    return "\n\n".join(line for line in named.splitlines() if line.strip()) if "\n" in named else named


def _name(user: str, who: Who) -> str:
    name = who(user)
    return f"@{user}" if name == user else name
