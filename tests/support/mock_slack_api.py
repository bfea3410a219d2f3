"""A local mock of the Slack Web API for tests, in the spirit of bolt-python's tests/mock_web_api_server.

It is a real HTTP server (aiohttp, background thread, 127.0.0.1, free port) so the code under test
uses its real slack_sdk client, serialisation, retry handlers and error handling:

    api = MockSlackApi()
    api.start()
    client = WebClient(token="xoxb-test", base_url=api.url)          # or AsyncWebClient(...)
    app = AsyncApp(client=AsyncWebClient(token="xoxb-test", base_url=api.url), signing_secret="s")
    ...
    assert api.calls_to("chat.postMessage")[0].params["channel"] == "C111"
    api.stop()

Requests may be JSON (slack_sdk uses JSON for chat.*/views.*), form-encoded or multipart; JSON
carried as a string inside a form field (``blocks``, ``attachments``, ``view``, ``metadata``)
is decoded, so ``Call.params`` always holds Python objects. Message and view limits are enforced
(see tests/support/slack_limits.py); method semantics live in tests/support/mock_slack_workspace.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.mock_slack_workspace import FakeWorkspace

# Bot scopes from manifest.yml; Slack echoes the token's scopes in X-OAuth-Scopes on every answer.
BOT_SCOPES = (
    "app_mentions:read,channels:history,groups:history,im:history,chat:write,chat:write.customize,commands,"
    "files:write,im:write,usergroups:read"
)
_JSON_STRING_FIELDS = ("blocks", "attachments", "view", "metadata")


@dataclass
class Call:
    """One request the mock received, whatever it answered (see ``ok`` and ``status``)."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the call was answered HTTP 200 with {"ok": true}, i.e. it took effect."""
        return self.status == 200 and self.response.get("ok") is True


@dataclass(frozen=True)
class Hold:
    """A call kept waiting: ``arrived`` is set once it is received, its answer goes once ``release`` is."""

    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)


@dataclass(frozen=True)
class _Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def _decode_json_strings(params: dict[str, Any]) -> dict[str, Any]:
    for key in _JSON_STRING_FIELDS:
        value = params.get(key)
        if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
            # Undecodable JSON stays a string: the limit checks answer invalid_blocks_format for it.
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
    return params


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Query string + body (JSON, urlencoded or multipart) as one dict; raises ValueError on bad JSON."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        raw = await request.text()
        if raw.strip():
            body = json.loads(raw)
            if not isinstance(body, dict):
                raise ValueError("JSON body is not an object")
            params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in (await request.post()).items():
            params[key] = value.file.read() if isinstance(value, web.FileField) else value
    return _decode_json_strings(params)


def _has_token(request: web.Request, params: dict[str, Any]) -> bool:
    auth = request.headers.get("Authorization", "")
    return (auth.startswith("Bearer ") and len(auth) > len("Bearer ")) or bool(params.get("token"))


class MockSlackApi:
    """Mock Slack Web API server; ``url`` is the base URL (ends in "/api/") for slack_sdk clients."""

    def __init__(self, *, require_token: bool = True) -> None:
        self.require_token = require_token  # Slack answers not_authed without a token
        self.calls: list[Call] = []
        self.workspace = FakeWorkspace()
        self._failures: defaultdict[str, deque[_Failure]] = defaultdict(deque)
        self._holds: defaultdict[str, deque[Hold]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._startup_error: BaseException | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("MockSlackApi is not started")
        return f"http://127.0.0.1:{self._port}/api/"

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("MockSlackApi already started")
        # Bind here, not in the thread: the port is known before start() returns and cannot race.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(sock, ready), name="mock-slack-api", daemon=True
        )
        self._thread.start()
        if not ready.wait(timeout=10) or self._startup_error is not None:
            self.stop()
            raise RuntimeError("MockSlackApi failed to start") from self._startup_error

    def stop(self) -> None:
        if self._thread is None or self._loop is None:
            return
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._thread = None
        self._loop = None
        self._port = None

    def __enter__(self) -> MockSlackApi:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        assert self._loop is not None
        loop = self._loop
        asyncio.set_event_loop(loop)
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle)
        app.router.add_post("/upload/{file_id}", self._upload)
        self.workspace.upload_base = f"http://127.0.0.1:{self._port}/upload/"
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        try:
            loop.run_until_complete(runner.setup())
            loop.run_until_complete(web.SockSite(runner, sock).start())
        except BaseException as error:  # reported to start(), which raises in the test thread
            self._startup_error = error
            sock.close()
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    # -- test-facing helpers -----------------------------------------------------------------

    def calls_to(self, method: str, *, ok: bool | None = None) -> list[Call]:
        """Calls to one method in arrival order; ``ok=True`` keeps only those that took effect."""
        with self._lock:
            return [c for c in self.calls if c.method == method and (ok is None or c.ok == ok)]

    def reset(self) -> None:
        """Forget calls, pending failures and all workspace state (messages, views, users)."""
        with self._lock:
            self.calls.clear()
            self._failures.clear()
            self._holds.clear()
            self.workspace = FakeWorkspace()

    def fail_next(self, method: str, status: int = 429, retry_after: int | None = 1) -> None:
        """Answer the next call to ``method`` with HTTP ``status`` (default 429 + Retry-After) once.

        The failed call is recorded with ``ok == False`` and has no effect (no message is stored).
        Repeated calls queue several failures.
        """
        error = "ratelimited" if status == 429 else "internal_error"
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self._failures[method].append(_Failure(status, {"ok": False, "error": error}, headers))

    def hold_next(self, method: str) -> Hold:
        """Keep the next call to ``method`` waiting until the test releases it (a slow Slack, without a
        timed sleep): ``hold.arrived.wait()``, then ``hold.release.set()``."""
        hold = Hold()
        with self._lock:
            self._holds[method].append(hold)
        return hold

    def fail_next_error(self, method: str, error: str) -> None:
        """Answer the next call to ``method`` with HTTP 200 {"ok": false, "error": error} once."""
        with self._lock:
            self._failures[method].append(_Failure(200, {"ok": False, "error": error}, {}))

    def seed_message(
        self, channel: str, text: str, *, user: str = "U111", thread_ts: str | None = None
    ) -> str:
        """Store a human-posted message (e.g. a thread parent) so chat.update/conversations.replies see it."""
        with self._lock:
            return self.workspace.seed_message(channel, text, user=user, thread_ts=thread_ts)

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Current stored messages (after updates), oldest first, optionally for one channel."""
        with self._lock:
            items = sorted(self.workspace.messages.items(), key=lambda kv: kv[0][1])
            return [dict(m, channel=ch) for (ch, _ts), m in items if channel is None or ch == channel]

    # -- HTTP --------------------------------------------------------------------------------

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL files.getUploadURLExternal hands out: the file's bytes, as Slack takes them."""
        content = await request.read()
        with self._lock:
            ok = self.workspace.receive_upload(request.match_info["file_id"], content)
        return web.Response(status=200 if ok else 404, text="OK - " + str(len(content)))

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        with self._lock:
            hold = self._holds[method].popleft() if self._holds.get(method) else None
        if hold is not None:
            hold.arrived.set()
            await asyncio.to_thread(hold.release.wait, 300)
        headers = dict(request.headers)
        extra_headers: dict[str, str] = {}
        status = 200
        body: dict[str, Any]
        try:
            params: dict[str, Any] | None = await _read_params(request)
        except ValueError:
            params = None
        with self._lock:
            failures = self._failures.get(method)
            if failures:  # injected failures win over everything, as a real outage would
                failure = failures.popleft()
                status, body, extra_headers = failure.status, dict(failure.body), failure.headers
            elif params is None:
                body = {"ok": False, "error": "invalid_json"}
            elif self.require_token and not _has_token(request, params):
                body = {"ok": False, "error": "not_authed"}
            else:
                body = self.workspace.handle(method, params)
            self.calls.append(Call(method, params or {}, headers, status, body))
        return web.json_response(body, status=status, headers={"X-OAuth-Scopes": BOT_SCOPES, **extra_headers})
