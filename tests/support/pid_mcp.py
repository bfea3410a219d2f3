"""An MCP server that tells its process id, so tests can see whether a session (and its server) was reused."""

from __future__ import annotations

import os

from mcp.server.fastmcp import FastMCP

server = FastMCP("pid", log_level="WARNING")


@server.tool()
def whoami() -> dict:
    """This server's process id."""
    return {"pid": os.getpid()}


@server.tool()
def stamp(idempotency_key: str | None = None) -> dict:
    """This server's process id and the idempotency key the call carried."""
    return {"pid": os.getpid(), "key": idempotency_key}


if __name__ == "__main__":
    server.run("stdio")
