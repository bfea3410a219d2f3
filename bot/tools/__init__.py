"""Tool integrations: the registry a worker's tools come from, built-in tools, MCP, knowledge search.

A tool implements `Tool` (a `ToolSpec` and `call(args, idempotency_key=...)`). Loaded on first use
(bot/core/exports.py).
"""

from bot.core.exports import lazy

__all__, __getattr__, __dir__ = lazy(
    __name__,
    {
        "bot.tools.registry": ["Toolbox"],
        "bot.tools.base": ["Tool", "ToolSpec", "FunctionTool", "normalize_args"],
        "bot.tools.mcp": ["McpServer", "mcp_tools"],
        "bot.tools.knowledge": ["KnowledgeIndex", "knowledge_tools"],
    },
)
