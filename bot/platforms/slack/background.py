"""Work that runs after Slack's ack, on the server's event loop, tracked so it can be awaited.

Bolt's lazy listeners do the same but deep-copy every request and cannot be awaited; ours are
awaited at shutdown (no half-posted reply is lost on a deploy) and by tests (no sleeps).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import deque
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


# How many handlings of accepted requests run at once: past it they wait their turn, so under a burst the
# process keeps answering new requests at once (the acks) while the handling catches up behind them.
HANDLING_SLOTS = 2


class Background:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self.errors: deque[BaseException] = deque(maxlen=100)  # the latest failures, for tests and operators
        self._slots: asyncio.Semaphore | None = None

    def spawn(
        self, coro: Coroutine[Any, Any, Any], *, name: str | None = None, queued: bool = False
    ) -> asyncio.Task[Any]:
        """`queued`: wait for one of `HANDLING_SLOTS` before running (the handling of an accepted request,
        as opposed to a quick answer)."""
        if queued:
            coro = self._in_turn(coro)
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)  # a strong reference: the loop keeps only weak ones
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            self.errors.append(error)
            log.error("background task %s failed", task.get_name(), exc_info=error)

    async def _in_turn(self, coro: Coroutine[Any, Any, Any]) -> Any:
        if self._slots is None:
            self._slots = asyncio.Semaphore(HANDLING_SLOTS)
        async with self._slots:
            return await coro

    def __len__(self) -> int:
        return len(self._tasks)

    async def drain(self, *, timeout: float = 30.0) -> None:
        """Wait for every task, including those the tasks themselves spawn."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._tasks:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{len(self._tasks)} background task(s) still running")
            await asyncio.wait(set(self._tasks), timeout=remaining)


_by_app: weakref.WeakKeyDictionary[object, Background] = weakref.WeakKeyDictionary()


def tasks_for(app: object) -> Background:
    """The Background of one app (a bolt AsyncApp); created on first use."""
    found = _by_app.get(app)
    if found is None:
        found = _by_app[app] = Background()
    return found
