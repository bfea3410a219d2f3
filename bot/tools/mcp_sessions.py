"""Long-lived MCP client sessions: one per (server, config) per process, owned by a private event loop.

Opening a stdio session starts the server process (~0.5 s) and a mission makes several calls, so sessions
stay open. The sessions live on one private asyncio loop that runs only while a call is made, in the
calling thread (`run_until_complete`), so a call costs no hop to another thread and back: two thread
wake-ups of the six a warm stdio call had. Between calls the loop is idle and the server's answers (none
are expected) wait in the pipe. One thread runs the loop at a time; a second caller waits for it (bounded
by its own timeout), and a caller that has a running loop of its own (async code) runs it in a helper
thread. Nothing is sent ahead of a call (a liveness ping cost a round trip per call): a session whose
server died is found by the call that fails on it, discarded, and the call runs once more on a new
session when the caller says a retry is safe (`retry=True`: the call carries an idempotency key). After a
fork (RQ's default Worker forks per job) the child starts its own loop and never touches the parent's
sessions. Sessions close at process exit.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import anyio
from mcp import ClientSession
from mcp.shared.exceptions import McpError
from mcp.types import CONNECTION_CLOSED

T = TypeVar("T")
Opener = Callable[[], AbstractAsyncContextManager[ClientSession]]
CLOSE_SECONDS = 5.0  # stdio: stdin is closed, then the server gets 2 s before it is terminated
_orphans: list[
    Any
] = []  # a parent's sessions seen after fork: kept referenced so no finalizer kills its servers


class SessionBroken(Exception):
    """A use failed because its open session broke: the server died or the transport closed."""


# What a use on an open session raises when the server is gone (a stdio pipe closed, an HTTP stream ended;
# OSError covers ConnectionError, which `Held.guard` raises when the session's task ended).
TRANSPORT_ERRORS = (OSError, anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream)


def _broke(held: Held, exc: BaseException) -> bool:
    if isinstance(exc, asyncio.CancelledError):
        return False  # a timeout or a cancelled caller: left as it is for asyncio.timeout to see
    if not held.ready.done() or held.ready.cancelled() or held.ready.exception() is not None:
        return False  # never opened: a start-up failure, not a broken session
    if held.task.done():
        return True
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    if isinstance(exc, McpError):
        return exc.error.code == CONNECTION_CLOSED
    return isinstance(exc, TRANSPORT_ERRORS)


def reason(exc: BaseException) -> str:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class Held:
    """One open session, held by a task that both enters and exits its context (anyio requires one task)."""

    def __init__(self, opener: Opener) -> None:
        self.ready: asyncio.Future[ClientSession] = asyncio.get_running_loop().create_future()
        self.ready.add_done_callback(lambda f: f.cancelled() or f.exception())  # no "never retrieved" noise
        self.closing = asyncio.Event()
        self.tools: Any = None  # the server's tool list, cached for this session's life
        self.task = asyncio.create_task(self._hold(opener))

    async def _hold(self, opener: Opener) -> None:
        try:
            async with opener() as session:
                self.ready.set_result(session)
                await self.closing.wait()
        except asyncio.CancelledError:
            self.ready.cancel()
        except BaseException as exc:  # a transport failure ends this session, never the loop
            if not self.ready.done():
                self.ready.set_exception(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))

    async def guard(self, op: Awaitable[T]) -> T:
        """`op` on this session, failing at once if the session ends meanwhile.

        When a server dies under a request, the SDK's transports (HTTP; stdio before bot/tools/mcp_stdio.py)
        cancel their task group before the session can fail its pending requests, which would then wait
        out the whole read timeout. `op`
        runs in the caller's task (a task of its own cost a task switch per call); the session's end
        cancels it, and that cancellation becomes a ConnectionError.
        """
        if self.task.done():
            if asyncio.iscoroutine(op):
                op.close()  # never started: no "never awaited" warning
            raise ConnectionError("the MCP session closed (the server exited)")
        caller = asyncio.current_task()
        assert caller is not None
        ended = finished = False

        def on_end(_: object) -> None:
            nonlocal ended
            if not finished:  # a callback already queued when `op` finished must not cancel the caller
                ended = True
                caller.cancel()

        self.task.add_done_callback(on_end)
        try:
            return await op
        except asyncio.CancelledError:
            if not ended:
                raise  # our caller timed out or was cancelled
            caller.uncancel()
            raise ConnectionError("the MCP session closed (the server exited)") from None
        finally:
            finished = True
            self.task.remove_done_callback(on_end)

    @property
    def usable(self) -> bool:
        return not self.task.done() and not self.closing.is_set()

    async def close(self) -> None:
        self.closing.set()
        if not self.ready.done():
            self.task.cancel()
        try:
            await asyncio.wait_for(asyncio.shield(self.task), CLOSE_SECONDS)
        except BaseException:  # closing is best effort
            self.task.cancel()


class SessionPool:
    def __init__(self, *, max_sessions: int = 8) -> None:
        self.max_sessions = max_sessions
        self._lock = threading.Lock()  # guards the loop's creation (per process)
        self._turn = threading.Lock()  # held by the one thread running the loop
        self._pid: int | None = None
        self._helper_pid: int | None = None
        self._helper_pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._held: OrderedDict[str, Held] = OrderedDict()
        self._closing: set[asyncio.Task[None]] = set()

    def run(
        self,
        key: str,
        opener: Opener,
        use: Callable[[Held], Awaitable[T]],
        *,
        timeout: float,
        retry: bool = False,
    ) -> T:
        """`use` on the live session for `key`, within `timeout` (raises TimeoutError past it).

        With `retry`, a use that fails because the session broke runs once more on a new session (the
        caller vouches that running it twice is harmless); without it the failure is raised.
        """
        return self._run_loop(lambda: self._use(key, opener, use, timeout, retry), timeout=timeout)

    def _run_loop(self, make: Callable[[], Awaitable[T]], *, timeout: float) -> T:
        """`make()` run to completion on the pool's loop, in this thread when it has no loop of its own."""
        if _loop_running_here():  # async code calling a sync tool: its own loop cannot be stopped here
            return self._helper().submit(self._run_loop, make, timeout=timeout).result()
        loop, turn = self._loop_here()
        if not turn.acquire(timeout=timeout):  # another thread's call holds the loop past our timeout
            raise TimeoutError
        try:
            task = loop.create_task(make())
            try:
                return loop.run_until_complete(task)
            finally:
                # A discarded session closes now, not at the next call. A call interrupted by a signal's
                # exception (RQ's job timeout) is abandoned like a timed-out one: cancelled, its session
                # discarded.
                pending = set(self._closing)
                if not task.done():
                    task.cancel()
                    pending.add(task)
                if pending:
                    loop.run_until_complete(asyncio.wait(pending, timeout=CLOSE_SECONDS + 1))
        finally:
            turn.release()

    def _helper(self) -> concurrent.futures.ThreadPoolExecutor:
        """The thread async callers run the loop in: one per process, kept (a fork leaves the parent's)."""
        with self._lock:
            if self._helper_pid != os.getpid():
                self._helper_pool = concurrent.futures.ThreadPoolExecutor(
                    1, thread_name_prefix="mcp-sessions"
                )
                self._helper_pid = os.getpid()
            return self._helper_pool

    def _loop_here(self) -> tuple[asyncio.AbstractEventLoop, threading.Lock]:
        with self._lock:
            if self._pid != os.getpid():
                if self._pid is not None:
                    _orphans.append((self._loop, self._held))
                else:
                    atexit.register(self.close)
                # A fork copies the parent's loop (and its epoll) and perhaps a held turn: start afresh.
                self._held, self._closing = OrderedDict(), set()
                self._loop, self._turn = asyncio.new_event_loop(), threading.Lock()
                self._pid = os.getpid()
            assert self._loop is not None
            return self._loop, self._turn

    async def _use(
        self, key: str, opener: Opener, use: Callable[[Held], Awaitable[T]], timeout: float, retry: bool
    ) -> T:
        async with asyncio.timeout(timeout):  # both attempts together stay within the server's timeout
            try:
                return await self._once(key, opener, use)
            except Exception as exc:
                if not (retry and isinstance(exc, SessionBroken)):
                    raise
            return await self._once(key, opener, use)

    async def _once(self, key: str, opener: Opener, use: Callable[[Held], Awaitable[T]]) -> T:
        held: Held | None = None
        try:
            held = await self._live(key, opener)
            return await held.guard(use(held))
        except BaseException as exc:
            if held is None:
                raise
            broken = _broke(held, exc)
            self._discard(key, held)  # timed out or failing: the next call gets a fresh session
            if broken:
                raise SessionBroken(reason(exc)) from exc
            raise

    async def _live(self, key: str, opener: Opener) -> Held:
        held = self._held.get(key)
        if held is not None and not held.usable:
            self._discard(key, held)
            held = None
        if held is None:
            held = self._held[key] = Held(opener)
            while len(self._held) > self.max_sessions:
                self._discard(*next(iter(self._held.items())))  # least recently used
        self._held.move_to_end(key)
        try:
            await asyncio.shield(held.ready)  # one caller timing out must not cancel others' wait
        except BaseException:
            self._discard(key, held)
            raise
        return held

    def _discard(self, key: str, held: Held) -> None:
        if self._held.get(key) is held:
            del self._held[key]
        task = asyncio.get_running_loop().create_task(held.close())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def close_where(self, matches: Callable[[str], bool]) -> None:
        """Close this process's sessions whose key matches, e.g. before their server is stopped on purpose."""
        with self._lock:
            if self._loop is None or self._pid != os.getpid() or self._loop.is_closed():
                return

        async def close_matching() -> None:
            held = [(k, h) for k, h in self._held.items() if matches(k)]
            for key, _ in held:
                del self._held[key]
            # sessions already being discarded finish closing too, so nothing is left half-open
            await asyncio.gather(*(h.close() for _, h in held), *self._closing, return_exceptions=True)

        with contextlib.suppress(BaseException):
            self._run_loop(
                lambda: asyncio.wait_for(close_matching(), CLOSE_SECONDS + 1), timeout=CLOSE_SECONDS
            )

    def close(self) -> None:
        """Close every session of this process (atexit); quiet and bounded."""
        self.close_where(lambda _: True)


def _loop_running_here() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


pool = SessionPool()
