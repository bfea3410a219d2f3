"""An MCP server that lists its tools at once but never answers a call in time (for timeout tests)."""

from __future__ import annotations

import time

from mcp.server.fastmcp import FastMCP

server = FastMCP("slow", log_level="WARNING")


@server.tool()
def get_ticket(ticket_id: str) -> dict:
    """Sleeps far past any sane timeout."""
    time.sleep(60)
    return {"ticket_id": ticket_id}


if __name__ == "__main__":
    server.run("stdio")
