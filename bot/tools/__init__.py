"""Tool integrations: the registry a worker's tools come from, built-in tools, MCP, knowledge search."""

__all__ = ["base", "builtin", "json_schema", "knowledge", "mcp", "mcp_sessions", "registry"]
