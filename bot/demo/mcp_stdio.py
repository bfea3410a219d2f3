"""The MCP SDK's stdio server transport, fed without worker threads.

`mcp.server.stdio.stdio_server` reads stdin and writes stdout through `anyio.wrap_file`: every line read
and every write and flush is a dispatch to a worker thread and back, so one request costs the server
process four thread wake-ups besides its own. It takes the files as arguments, so here they are given
as asyncio pipes: stdin is read on the event loop, and an answer is one `write` to the stdout pipe (asyncio
buffers the rest if the client is slow to read, and `flush` waits for that buffer to drain). The SDK still
parses and validates every JSON-RPC message; only the file I/O changed. Stdin or stdout that is not a pipe,
socket or terminal (a regular file) falls back to the SDK's threaded files.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server.stdio import stdio_server

LINE_LIMIT = 64 * 1024 * 1024  # one JSON-RPC message is one line; asyncio's default limit is 64 KiB


class _Lines:
    """Stdin as the async iterator of text lines that `stdio_server` reads."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader

    def __aiter__(self) -> _Lines:
        return self

    async def __anext__(self) -> str:
        line = await self.reader.readline()
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", errors="replace")


class _Out:
    """Stdout as the async text file that `stdio_server` writes."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer

    async def write(self, text: str) -> None:
        self.writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        await self.writer.drain()


def _pipe_like(fd: int) -> bool:
    """What asyncio's pipe transports accept."""
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


@asynccontextmanager
async def thread_free_stdio() -> AsyncIterator[tuple[Any, Any]]:
    """`stdio_server()`'s (read, write) streams over this process's stdin and stdout."""
    if not (_pipe_like(sys.stdin.fileno()) and _pipe_like(sys.stdout.fileno())):
        async with stdio_server() as streams:
            yield streams
        return
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, sys.stdout)
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    try:
        async with stdio_server(stdin=_Lines(reader), stdout=_Out(writer)) as streams:  # type: ignore[arg-type]
            yield streams
    finally:
        transport.close()
