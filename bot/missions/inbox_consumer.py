"""Handling the inbox in a process of its own: `missionbot serve`'s handling child
(bot/commands/serve_handling.py) reads what the ack process appended (bot/core/inbox.py) and handles it
(bot/missions/intake.py), so the process that acks spends no CPU, and holds no GIL, on the handling.

Reads are `XREADGROUP ... >`: any number of handling processes (one per `serve`) share the group's unread
entries. Each entry is acked and deleted once handled; one whose handling failed stays pending for the
recovery sweep (`Intake.recover`). Nothing here is lost by a SIGKILL: an entry read and not done is pending
under this consumer (the restarted child `adopt`s it at once, the sweep after its grace), one not read yet
waits for the next read.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bot.core.inbox import Entry, Inbox
from bot.core.outage import REDIS_DOWN
from bot.missions.intake import Intake, ReplyInFlight

log = logging.getLogger(__name__)

# Entries handled at once: their Redis round trips and Slack posts overlap (the work is mostly waiting).
HANDLING_SLOTS = 2
# How long a read waits for an entry: the longest a stop waits for the loop to notice it.
BLOCK_MS = 500
RETRY_AFTER = (0.1, 5.0)  # Redis unreachable: first and longest wait before the next try


class Consumer:
    """`after(entry)`: called once an entry is handled (Slack refreshes App Home after a click there)."""

    def __init__(
        self,
        intake: Intake,
        inbox: Inbox,
        *,
        slots: int = HANDLING_SLOTS,
        after: Callable[[Entry], None] | None = None,
    ) -> None:
        self.intake, self.inbox, self.slots, self.after = intake, inbox, slots, after
        self.handled = 0

    def run(self, stop: threading.Event, *, adopt: str | None = None) -> None:
        """Until `stop`; then what is still unread (the ack process stopped accepting before it set `stop`)
        is read and handled too, without waiting. `adopt`: a dead predecessor's consumer name."""
        with ThreadPoolExecutor(self.slots, thread_name_prefix="inbox") as pool:
            if adopt:
                self.intake.forget_claims_of(adopt)
                self._retrying(stop, lambda: self._batch(pool, self.inbox.adopt(adopt)))
            while not stop.is_set():
                self._retrying(stop, lambda: self._read(pool, block_ms=BLOCK_MS))
            # Stopping: Redis down now ends the drain (what is left waits, durable, for the next reader).
            while self._retrying(stop, lambda: self._read(pool, block_ms=None)):
                pass

    def _read(self, pool: ThreadPoolExecutor, *, block_ms: int | None) -> int:
        return self._batch(pool, self.inbox.read(count=self.slots, block_ms=block_ms))

    def _retrying(self, stop: threading.Event, step: Callable[[], int]) -> int:
        """`step` until Redis answers (a restart or failover is waited out) or `stop` is set."""
        wait = RETRY_AFTER[0]
        while True:
            try:
                return step()
            except REDIS_DOWN as err:
                log.warning("inbox: Redis unreachable (%s); trying again in %.1f s", type(err).__name__, wait)
                if stop.wait(wait):
                    return 0
                wait = min(wait * 2, RETRY_AFTER[1])

    def _batch(self, pool: ThreadPoolExecutor, entries: list[Entry]) -> int:
        for done in pool.map(self._one, entries):
            self.handled += done
        return len(entries)

    def _one(self, entry: Entry) -> bool:
        if self.intake.poison.buried(self.inbox, entry):  # adopted past the cap (it may kill its process)
            return False
        try:
            self.intake.handle(entry)
        except ReplyInFlight as busy:
            log.info("%s; left to it", busy)  # the sweep took it meanwhile: it replies and acks it
            return False
        except Exception:  # Redis gone mid-handling included: pending under us, the sweep retries it
            log.exception("handling inbox entry %s (%s) failed; left pending", entry.id, entry.kind)
            return False
        self.inbox.done_sync(entry)
        if self.after is not None:
            try:
                self.after(entry)
            except Exception:  # a courtesy (App Home refresh): the entry itself is done
                log.exception("after handling inbox entry %s", entry.id)
        return True
