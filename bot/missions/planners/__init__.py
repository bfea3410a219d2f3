"""Planners drive a mission through a Session: the playbook here, the LangChain agent beside it.

A planner implements `Planner.advance(session) -> Parked | Finished`. Loaded on first use
(bot/core/exports.py): `AgentPlanner` pulls LangChain in only when asked for.
"""

from bot.core.exports import lazy

__all__, __getattr__, __dir__ = lazy(
    __name__,
    {
        "bot.missions.planners.base": ["Planner", "Parked", "Finished"],
        "bot.missions.planners.playbook": ["PlaybookPlanner"],
        "bot.missions.planners.agent": ["AgentPlanner"],
        "bot.missions.planners.chat_models": ["build_chat_model", "ModelUnavailable"],
        "bot.missions.planners.model_calls": ["ModelFailed"],
    },
)
