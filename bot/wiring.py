"""What a Runtime gets beyond the foundation: MCP transports, knowledge search and the LLM planner.

`create_runtime` calls `wire`; tests replace `rt.extras["model_factory"]` with a scripted chat model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.knowledge import knowledge_tools
from bot.tools import mcp


def knowledge_root(config_dir: Path) -> Path:
    """`knowledge:` paths are relative to the project, i.e. the directory holding `worker_configs/`."""
    return config_dir.resolve().parent


def agent_planner(rt: Any, mission: Any) -> Any:
    from bot.planners.agent import AgentPlanner  # imported on first LLM mission: LangChain is heavy

    return AgentPlanner(model_factory=rt.extras["model_factory"])


def wire(rt: Any) -> None:
    from bot.planners.chat_models import build_chat_model

    settings = rt.settings
    env = {"MISSIONBOT_KEY_PREFIX": settings.key_prefix}
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    mcp.install(rt.toolbox, env=env)
    root = knowledge_root(Path(settings.config_dir))
    rt.toolbox.worker_providers.append(lambda worker: knowledge_tools(worker, root=root))
    rt.extras.setdefault("model_factory", build_chat_model)
    rt.extras.setdefault("planner_factory", agent_planner)
