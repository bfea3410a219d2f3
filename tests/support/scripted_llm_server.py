"""A scripted OpenAI- and Anthropic-compatible HTTP server on 127.0.0.1, for the REAL provider packages.

`langchain-openai` (through `OPENAI_BASE_URL=<url>/v1`) and `langchain-anthropic` (`ANTHROPIC_BASE_URL=<url>`)
talk to it as to the real APIs. Each request takes the next scripted action: a reply (text and tool calls,
whose arguments are sent as the raw string given, so they can be malformed), an HTTP error status (429 with
Retry-After, 500, 401), or `hang()`, which never answers. `requests` records every body received.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Reply:
    text: str = ""
    calls: tuple[tuple[str, str, str], ...] = ()  # (tool name, raw JSON arguments, call id)
    tokens: int = 10


@dataclass(frozen=True)
class Status:
    status: int
    retry_after: float | None = None
    message: str = "scripted error"


@dataclass(frozen=True)
class Hang:
    """Accept the request and never answer (until the server stops)."""


def reply(text: str = "", *calls: tuple[str, str, str], tokens: int = 10) -> Reply:
    return Reply(text=text, calls=calls, tokens=tokens)


def status(code: int, *, retry_after: float | None = None, message: str = "scripted error") -> Status:
    return Status(status=code, retry_after=retry_after, message=message)


def hang() -> Hang:
    return Hang()


Action = Reply | Status | Hang


@dataclass
class Received:
    api: str  # "openai" | "anthropic"
    body: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


class ScriptedLLMServer:
    def __init__(self, script: list[Action]) -> None:
        self.script = list(script)
        self.requests: list[Received] = []
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> ScriptedLLMServer:
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _start(self) -> str:
        self._stop = asyncio.Event()
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._openai)
        app.router.add_post("/v1/messages", self._anthropic)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"

    async def _shutdown(self) -> None:
        assert self._stop is not None
        self._stop.set()
        await self._runner.cleanup()

    # -- the two APIs ------------------------------------------------------------------------
    async def _next(self, api: str, request: web.Request) -> Action | web.Response:
        self.requests.append(Received(api=api, body=await request.json()))
        if not self.script:
            return web.json_response({"error": {"message": "the script is exhausted"}}, status=500)
        action = self.script.pop(0)
        if isinstance(action, Hang):
            assert self._stop is not None
            await self._stop.wait()
            raise web.HTTPServiceUnavailable()
        return action

    async def _openai(self, request: web.Request) -> web.StreamResponse:
        action = await self._next("openai", request)
        if isinstance(action, web.Response):
            return action
        if isinstance(action, Status):
            return _error(action, {"error": {"message": action.message, "type": "scripted", "code": None}})
        calls = [
            {"id": cid, "type": "function", "function": {"name": name, "arguments": args}}
            for name, args, cid in action.calls
        ]
        message: dict[str, Any] = {"role": "assistant", "content": action.text or None}
        if calls:
            message["tool_calls"] = calls
        return web.json_response(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": request.match_info.get("model", "scripted"),
                "choices": [
                    {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}
                ],
                "usage": {
                    "prompt_tokens": action.tokens - action.tokens // 4,
                    "completion_tokens": action.tokens // 4,
                    "total_tokens": action.tokens,
                },
            }
        )

    async def _anthropic(self, request: web.Request) -> web.StreamResponse:
        action = await self._next("anthropic", request)
        if isinstance(action, web.Response):
            return action
        if isinstance(action, Status):
            kind = {429: "rate_limit_error", 401: "authentication_error"}.get(action.status, "api_error")
            return _error(action, {"type": "error", "error": {"type": kind, "message": action.message}})
        content: list[dict[str, Any]] = [{"type": "text", "text": action.text}] if action.text else []
        content += [
            {"type": "tool_use", "id": cid, "name": name, "input": json.loads(args)}
            for name, args, cid in action.calls
        ]
        return web.json_response(
            {
                "id": f"msg_{len(self.requests)}",
                "type": "message",
                "role": "assistant",
                "model": "scripted",
                "content": content,
                "stop_reason": "tool_use" if action.calls else "end_turn",
                "stop_sequence": None,
                "usage": {
                    "input_tokens": action.tokens - action.tokens // 4,
                    "output_tokens": action.tokens // 4,
                },
            }
        )


def _error(action: Status, body: dict[str, Any]) -> web.Response:
    headers = {"retry-after": f"{action.retry_after:g}"} if action.retry_after is not None else {}
    return web.json_response(body, status=action.status, headers=headers)
