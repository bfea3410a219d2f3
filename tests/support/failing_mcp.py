"""An MCP server whose tools raise (a backend failure inside the tool, not a dead or slow server)."""

from __future__ import annotations

from mcp.server.fastmcp import FastMCP

server = FastMCP("failing", log_level="ERROR")


@server.tool()
def get_ticket(ticket_id: str) -> dict:
    """Fails the way a tool with a broken backend does."""
    raise RuntimeError(f"helpdesk database unavailable while reading ticket {ticket_id}")


@server.tool()
def issue_credit(
    account_id: str, amount: float, reason: str = "", idempotency_key: str | None = None
) -> dict:
    """Never reached in the tests: the read before it fails."""
    raise RuntimeError("not reached")


if __name__ == "__main__":
    server.run("stdio")
