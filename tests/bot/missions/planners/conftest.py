"""Agent workers for planner tests: support-triage driven by a scripted model, with its knowledge."""

from __future__ import annotations

import pytest

from bot.core.config.models import KnowledgeSource
from bot.core.config.tools import ToolPolicy
from tests.support.scripted_model import ScriptedChatModel


@pytest.fixture
def agent_worker(rt):
    """support-triage (builtin helpdesk) as an LLM worker that may search knowledge/support/."""
    base = rt.workers["support-triage"]
    worker = base.model_copy(
        update={
            "model": "scripted:test",
            "knowledge": [KnowledgeSource(path="knowledge/support/")],
            "tools": {**base.tools, "knowledge.search": ToolPolicy(tier="read")},
        }
    )
    rt.workers["support-triage"] = worker
    return worker


@pytest.fixture
def script(rt, agent_worker):
    """Install a scripted model for the agent worker: `script([...replies])` returns the model."""

    def install(replies) -> ScriptedChatModel:
        model = ScriptedChatModel(replies)
        rt.model_factory = lambda worker: model
        return model

    return install
