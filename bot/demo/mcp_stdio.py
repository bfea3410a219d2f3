"""The server's stdio transport, without worker threads or relay tasks.

`mcp.server.stdio.stdio_server` reads stdin and writes stdout through `anyio.wrap_file` (a worker thread
per line read and per write and flush), and relays messages to the session through two tasks and memory
streams. Here stdin and stdout are asyncio pipes, and the session reads and writes them itself through
`bot.tools.mcp_lines` (one line parsed by the SDK's `JSONRPCMessage` per message, one `write` per answer;
asyncio buffers the rest if the client is slow to read). The SDK's low-level server session still does all
of JSON-RPC. Stdin or stdout that is not a pipe, socket or terminal (a regular file) falls back to the
SDK's `stdio_server`.
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

from bot.tools.mcp_lines import LINE_LIMIT, LineReader, LineWriter


def _pipe_like(fd: int) -> bool:
    """What asyncio's pipe transports accept."""
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


@asynccontextmanager
async def thread_free_stdio() -> AsyncIterator[tuple[Any, Any]]:
    """A server session's (read, write) streams over this process's stdin and stdout."""
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
        yield LineReader(reader), LineWriter(writer)
    finally:
        transport.close()
