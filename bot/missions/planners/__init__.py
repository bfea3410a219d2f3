"""Planners drive a mission through a Session: the playbook here, the LangChain agent beside it."""

__all__ = [
    "agent",
    "agent_context",
    "agent_limits",
    "base",
    "chat_models",
    "malformed",
    "model_calls",
    "playbook",
]
