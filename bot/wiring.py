"""What a Runtime gets beyond the foundation: MCP transports, knowledge search and the LLM planner.

`create_runtime` calls `wire`; tests replace `rt.extras["model_factory"]` with a scripted chat model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.knowledge import knowledge_tools


def agent_planner(rt: Any, mission: Any) -> Any:
    from bot.planners.agent import AgentPlanner  # imported on first LLM mission: LangChain is heavy

    return AgentPlanner(model_factory=rt.extras["model_factory"])


def _mcp_provider(env: dict[str, str]) -> Any:
    def provider(name: str, integration: Any, worker: Any) -> Any:
        from bot.tools.mcp import mcp_tools  # the MCP client stack costs ~0.5 s to import: only when used

        return mcp_tools(name, integration, worker, env=env)

    return provider


def redis_url(settings: Any, redis: Any) -> str | None:
    """The URL a server subprocess (stdio MCP) reaches this runtime's Redis at, also when only a client was given."""
    if settings.redis_url:
        return settings.redis_url
    kwargs = redis.connection_pool.connection_kwargs
    if kwargs.get("path"):
        return f"unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    if kwargs.get("host"):
        return f"redis://{kwargs['host']}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
    return None


def wire(rt: Any) -> None:
    from bot.planners.chat_models import build_chat_model

    settings = rt.settings
    env = {"MISSIONBOT_KEY_PREFIX": settings.key_prefix}
    if url := redis_url(settings, rt.redis):
        env["REDIS_URL"] = url
    for transport in ("stdio", "streamable_http"):
        rt.toolbox.providers.setdefault(transport, _mcp_provider(env))
    # `knowledge:` paths resolve against the config files' directory (then its parent): bot/knowledge.py
    config_dir = Path(settings.config_dir)
    rt.toolbox.worker_providers.append(lambda worker: knowledge_tools(worker, config_dir=config_dir))
    rt.extras.setdefault("model_factory", build_chat_model)
    rt.extras.setdefault("planner_factory", agent_planner)
