"""The console backend: messages go to a Redis stream that `missionbot shell` tails.

Going through Redis (not stdout) lets RQ workers in other processes talk to the shell, and lets
tests read exactly what a user would have seen.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from redis import Redis

from bot.core.cards import Card
from bot.core.models import MessageRef
from bot.core.sender import Sender


class ConsoleMessenger:
    platform = "console"

    def __init__(self, *, redis: Redis, prefix: str, chart_dir: Path | None = None) -> None:
        self.redis = redis
        self.stream = f"{prefix}:console:outbox"
        self.chart_dir = chart_dir  # None: no images (a messenger built only to read the outbox)
        self.sender: Sender | None = None

    def as_sender(self, sender: Sender) -> ConsoleMessenger:
        """Posts that carry the AI worker's name (`from`); the shell prints it before the text."""
        twin = copy.copy(self)
        twin.sender = sender
        return twin

    def _add(self, fields: dict[str, Any]) -> str:
        clean = {k: v for k, v in fields.items() if v is not None}
        return self.redis.xadd(self.stream, {"msg": json.dumps(clean)}).decode()

    def post(
        self, *, conversation: str, thread: str | None, text: str, card: Card | None = None
    ) -> MessageRef:
        ts = self._add(
            {
                "op": "post",
                "conversation": conversation,
                "thread": thread,
                "text": text,
                "from": self.sender.name if self.sender else None,
                "card": card.model_dump(mode="json") if card else None,
            }
        )
        return MessageRef(platform=self.platform, conversation=conversation, ts=ts, thread=thread)

    def post_image(self, *, conversation: str, png: bytes, title: str, alt_text: str) -> str | None:
        """A terminal shows no image: the PNG goes to a file named after the title (the same worker and
        week overwrite it) and the conversation gets its path and alt text. Returns the path."""
        if self.chart_dir is None:
            return None
        self.chart_dir.mkdir(parents=True, exist_ok=True)
        path = (self.chart_dir / f"{re.sub(r'[^a-z0-9]+', '-', title.lower()).strip('-')}.png").resolve()
        path.write_bytes(png)
        self.post(conversation=conversation, thread=None, text=f"📈 Chart: {path}\n{alt_text}")
        return str(path)

    def update(self, ref: MessageRef, *, text: str, card: Card | None = None) -> None:
        self._add(
            {
                "op": "update",
                "conversation": ref.conversation,
                "thread": ref.thread,
                "ref": ref.ts,
                "text": text,
                "from": self.sender.name if self.sender else None,
                "card": card.model_dump(mode="json") if card else None,
            }
        )

    def permalink(self, *, conversation: str, message: str) -> str | None:
        return None  # no URL: a console mission's reference is its id (`/status <id>` in the shell)

    def ephemeral(self, *, conversation: str, user: str, text: str) -> None:
        self._add({"op": "ephemeral", "conversation": conversation, "user": user, "text": text})

    def read(self, after: str = "0-0", *, block_ms: int | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Messages after the stream id `after` (the shell's cursor)."""
        found = self.redis.xread({self.stream: after}, block=block_ms, count=500)
        return [(mid.decode(), json.loads(f[b"msg"])) for _, entries in found for mid, f in entries]
