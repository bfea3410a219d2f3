"""MCP's stdio framing (one JSON-RPC message per line) as the two streams an SDK session reads and writes.

The SDK's stdio transports put two tasks and two memory streams between the pipes and the session: a
reader task parses each line and hands it over a memory stream, a writer task takes each message off
another one and writes it. Each hand-over is a task switch with anyio's checkpoints, four per call on
each side. These streams do the same work in the session's own task instead: `__anext__` reads and
parses one line, `send` serializes one message and writes it. Parsing and serializing are the SDK's
own (`JSONRPCMessage.model_validate_json`, `model_dump_json(by_alias=True, exclude_none=True)`), and the
session (`ClientSession`, the low-level `Server`'s `ServerSession`) does all of JSON-RPC. Used by the
client's stdio transport (`bot.tools.mcp_stdio`) and the demo helpdesk server (`bot.demo.mcp_stdio`).
"""

from __future__ import annotations

import asyncio
from types import TracebackType

from mcp.shared.message import SessionMessage
from mcp.types import JSONRPCMessage

LINE_LIMIT = 64 * 1024 * 1024  # one message is one line; asyncio's default limit is 64 KiB


class _Stream:
    async def __aenter__(self) -> _Stream:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:  # the pipe belongs to the transport, which closes it
        return None


class LineReader(_Stream):
    """The session's read stream: one parsed message per line; a line that does not parse is passed on
    as its exception, as the SDK's transports do; end of input ends the iteration."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader

    def __aiter__(self) -> LineReader:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        line = b"\n"
        while line.strip() == b"":  # blank lines carry nothing
            line = await self.reader.readline()
            if not line:
                raise StopAsyncIteration
        try:
            return SessionMessage(JSONRPCMessage.model_validate_json(line))
        except Exception as exc:
            return exc

    async def receive(self) -> SessionMessage | Exception:
        return await self.__anext__()


class LineWriter(_Stream):
    """The session's write stream: each message written as one line; `drain` waits only when the pipe's
    buffer is full (a reader slower than the writer)."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer

    async def send(self, message: SessionMessage) -> None:
        line = message.message.model_dump_json(by_alias=True, exclude_none=True)
        self.writer.write(line.encode("utf-8") + b"\n")
        await self.writer.drain()
