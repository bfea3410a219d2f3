"""The worker's model-call timeout reaches the provider client; its own retries are off
(the agent retries)."""

from __future__ import annotations

import pytest

from bot.missions.planners.chat_models import ModelUnavailable, build_chat_model, missing_key
from bot.missions.planners.model_calls import classify


@pytest.mark.parametrize(
    ("model", "timeout_field"),
    [("openai:gpt-4.1-mini", "request_timeout"), ("anthropic:claude-sonnet-4-5", "default_request_timeout")],
)
def test_the_provider_client_gets_the_timeout_and_no_retries_of_its_own(
    rt, monkeypatch, model, timeout_field
):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    worker = rt.workers["support-agent"].model_copy(update={"model": model, "model_timeout_seconds": 7.5})
    chat = build_chat_model(worker)
    assert getattr(chat, timeout_field) == 7.5 and chat.max_retries == 0
    assert rt.workers["support-agent"].model_timeout_seconds == 60  # the default
    assert rt.workers["support-agent"].model_max_retries == 2


def test_a_missing_key_is_named_before_any_client_is_built(rt, monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    worker = rt.workers["support-agent"]
    assert missing_key(worker) == "OPENAI_API_KEY"
    assert missing_key(worker, env={"OPENAI_API_KEY": "  "}) == "OPENAI_API_KEY"  # blank is not set
    assert missing_key(worker.model_copy(update={"model": "ollama:llama3.1"})) is None
    assert missing_key(rt.workers["support-triage"]) is None  # playbook
    with pytest.raises(ModelUnavailable, match="^OPENAI_API_KEY is not set"):
        build_chat_model(worker)


def test_only_provider_failures_are_classified_a_bug_propagates():
    class APITimeoutError(Exception):
        pass

    class RateLimitError(Exception):
        status_code = 429

    assert classify(RuntimeError("a bug")) is None and classify(KeyError("x")) is None
    assert classify(APITimeoutError()).kind == "timeout"
    assert classify(RateLimitError()).kind == "rate_limit"
    wrapped = ValueError("wrapped")
    wrapped.__cause__ = RateLimitError()
    assert classify(wrapped).kind == "rate_limit"
