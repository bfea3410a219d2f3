"""The client's stdio transport: the SDK's `stdio_client` with the session reading and writing the pipes
itself (`bot.tools.mcp_lines`) instead of through two relay tasks and memory streams.

Everything else is `stdio_client`'s: the server starts in a new session (process group) with the SDK's
default environment under the configured one and stderr passed through, and on close its stdin is
closed, it gets `PROCESS_TERMINATION_TIMEOUT` to exit, then its process group is terminated with the
SDK's own `terminate_posix_process_tree`. A server that dies ends the read stream, so the session fails
its pending requests with CONNECTION_CLOSED, and a write to it fails with a broken pipe: what
`bot.tools.mcp_sessions` takes for a broken session either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager

from mcp.client.stdio import PROCESS_TERMINATION_TIMEOUT, get_default_environment
from mcp.os.posix.utilities import terminate_posix_process_tree

from bot.tools.mcp_lines import LINE_LIMIT, LineReader, LineWriter


@asynccontextmanager
async def stdio_streams(
    command: str, args: Sequence[str], env: Mapping[str, str] | None = None
) -> AsyncIterator[tuple[LineReader, LineWriter]]:
    """(read, write) streams for a `ClientSession` over a server process started here."""
    process = await asyncio.create_subprocess_exec(
        command,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=sys.stderr,
        env={**get_default_environment(), **(env or {})},
        start_new_session=True,
        limit=LINE_LIMIT,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        yield LineReader(process.stdout), LineWriter(process.stdin)
    except BaseException:
        _kill_group(process.pid)  # cancelled or failing: nothing may outlive the session
        raise
    finally:
        process.stdin.close()  # MCP's stdio shutdown: close its input, let it exit, then terminate it
        try:
            await asyncio.wait_for(process.wait(), PROCESS_TERMINATION_TIMEOUT)
        except TimeoutError:
            await terminate_posix_process_tree(process)  # type: ignore[arg-type]
        except BaseException:
            _kill_group(process.pid)
            raise


def _kill_group(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)  # start_new_session: the group's id is the server's pid
