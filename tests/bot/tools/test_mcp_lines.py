"""The JSON-lines streams an SDK session reads and writes over a pipe (bot/tools/mcp_lines.py)."""

from __future__ import annotations

import asyncio

from mcp.shared.message import SessionMessage
from mcp.types import JSONRPCMessage, JSONRPCRequest

from bot.tools.mcp_lines import LineReader, LineWriter


async def test_each_line_is_one_message_blank_lines_are_skipped_and_a_bad_line_is_passed_on():
    reader = asyncio.StreamReader()
    reader.feed_data(b'{"jsonrpc":"2.0","id":1,"method":"ping"}\n\n  \nnot json\n')
    reader.feed_eof()
    got = [m async for m in LineReader(reader)]
    assert isinstance(got[0], SessionMessage) and got[0].message.root.method == "ping"
    assert len(got) == 2 and isinstance(got[1], Exception)  # the session sees it, as with the SDK's


async def test_a_message_is_written_as_one_line_in_the_sdks_json():
    written = bytearray()

    class Pipe:
        def write(self, data: bytes) -> None:
            written.extend(data)

        async def drain(self) -> None:
            return None

    request = JSONRPCMessage(JSONRPCRequest(jsonrpc="2.0", id=7, method="tools/list"))
    async with LineWriter(Pipe()) as writer:  # type: ignore[arg-type]
        await writer.send(SessionMessage(request))
    assert bytes(written) == request.model_dump_json(by_alias=True, exclude_none=True).encode() + b"\n"
