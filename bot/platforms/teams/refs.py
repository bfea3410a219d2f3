"""Teams conversation references in Redis, so RQ jobs in any process can post proactively.

A reference is the JSON the Bot Framework gives us for a conversation (service URL, ids, tenant).
Teams threads a channel reply chain as `<channel id>;messageid=<root id>`; we key references by the
channel (or chat) id and add the chain when posting into a thread.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from bot.core.store import Store

THREAD_MARK = ";messageid="
MESSAGE_LINK = "https://teams.microsoft.com/l/message"


def split_conversation(conversation_id: str) -> tuple[str, str | None]:
    """'19:abc@thread.skype;messageid=123' -> ('19:abc@thread.skype', '123')."""
    base, _, thread = conversation_id.partition(THREAD_MARK)
    return base, thread or None


def message_link(conversation: str, message: str) -> str | None:
    """The deep link to a channel message (a `19:` conversation, the reply chain's root id);
    chats have none."""
    if not conversation.startswith("19:"):
        return None
    return f"{MESSAGE_LINK}/{quote(conversation, safe='')}/{quote(message, safe='')}"


class ConversationRefs:
    def __init__(self, *, store: Store) -> None:
        self.store = store

    def _key(self, conversation: str) -> str:
        return self.store.key("teams", "ref", conversation)

    def save(self, reference: dict[str, Any], *, is_channel: bool) -> str:
        """Store `reference` under its base conversation id; returns that id."""
        base, _ = split_conversation(reference["conversation"]["id"])
        reference = {**reference, "conversation": {**reference["conversation"], "id": base}}
        with self.store.redis.pipeline() as pipe:
            pipe.set(self._key(base), json.dumps({"reference": reference, "is_channel": is_channel}))
            pipe.set(self.store.key("teams", "service_url"), reference.get("serviceUrl") or "")
            pipe.execute()
        return base

    def load(self, conversation: str, thread: str | None) -> dict[str, Any]:
        """The reference to post to `conversation` (inside reply chain `thread` for a channel).

        A conversation the bot has not seen (an approvals channel named in config) gets a reference built
        from the last service URL: Teams accepts proactive posts to any channel of a team the bot is in.
        """
        raw = self.store.redis.get(self._key(conversation))
        if raw is not None:
            found = json.loads(raw)
            reference, is_channel = found["reference"], found["is_channel"]
        else:
            service_url = (self.store.redis.get(self.store.key("teams", "service_url")) or b"").decode()
            if not service_url:
                raise LookupError(
                    f"no Teams conversation reference for {conversation!r} and no service URL yet"
                )
            reference = {
                "channelId": "msteams",
                "serviceUrl": service_url,
                "conversation": {"id": conversation},
            }
            is_channel = conversation.startswith("19:")
        if is_channel and thread:
            reference = {
                **reference,
                "conversation": {**reference["conversation"], "id": f"{conversation}{THREAD_MARK}{thread}"},
            }
        return reference

    def first_failure(self, conversation: str, *, ttl_seconds: int = 3600) -> bool:
        """True once an hour per conversation: a removed bot is reported, not reported per message."""
        return bool(
            self.store.redis.set(self.store.key("teams", "gone", conversation), 1, nx=True, ex=ttl_seconds)
        )
