"""An inbox entry that fails every time (a payload the handling cannot take, or a bug): once Redis has
delivered it more than `MISSIONBOT_INBOX_MAX_ATTEMPTS` times it is not handled again but moved to the dead
letters (bot/core/inbox_dead.py), with an error log naming it, `missionbot_inbox_dead_letters_total`
(alert: deploy/prometheus/alerts.yml) and, best effort, a word to the person who asked or clicked.

Checked before each handling by whoever holds the entry: the recovery sweep (`Intake.recover`) and serve's
handling child, whose `adopt` of a dead predecessor's entries counts too (an entry that kills its process
would otherwise crash the restarted child for ever). A fresh read is the first delivery: nothing to check.
"""

from __future__ import annotations

import logging

from bot.core.inbox import CLICK, REQUEST, Entry, Inbox
from bot.core.inbox_dead import DeadLetters
from bot.core.metrics import INBOX_DEAD_LETTERS, INBOX_KINDS, bounded
from bot.core.runtime import Runtime

log = logging.getLogger(__name__)

TOLD = "Your request could not be handled; an operator has been told."


class Poison:
    def __init__(self, rt: Runtime) -> None:
        self.rt, self.cap = rt, rt.settings.inbox_max_attempts
        self.dead = DeadLetters(redis=rt.redis, prefix=rt.settings.key_prefix)

    def buried(self, inbox: Inbox, entry: Entry) -> bool:
        """True when `entry` is past the cap: moved to the dead letters now, or by another process already
        (then nothing more is done here); the caller does not handle it."""
        if entry.deliveries <= self.cap:
            return False
        if not self.dead.bury(inbox, entry):
            return True
        log.error(
            "inbox entry %s (%s) was delivered %d times without being handled: moved to %s",
            entry.id, entry.kind, entry.deliveries - 1, self.dead.stream,
        )  # fmt: skip
        INBOX_DEAD_LETTERS.labels(kind=bounded(entry.kind, INBOX_KINDS)).inc()
        self._tell(entry)
        return True

    def _tell(self, entry: Entry) -> None:
        """Through the messenger the handling answers with; the entry may be what cannot be posted to."""
        f = entry.fields
        try:
            messenger = self.rt.messengers.get(f.get("platform", ""))
            if entry.kind == REQUEST:
                thread = f.get("thread") or None
                messenger.post(conversation=f["conversation"], thread=thread, text=TOLD)
            elif entry.kind == CLICK and f.get("conversation"):
                messenger.ephemeral(conversation=f["conversation"], user=f["actor"], text=TOLD)
        except Exception:
            log.warning("could not tell the requester of dead inbox entry %s", entry.id, exc_info=True)
