"""Model calls that end: provider failures are classified by duck typing, retried within the worker's budget
with a note in the thread, and the last one becomes a verdict. Against a real HTTP server:
test_providers.py."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.missions.planners.model_calls import (
    MAX_BACKOFF_SECONDS,
    Failure,
    ModelCalls,
    ModelFailed,
    backoff,
    classify,
)


class ProviderError(Exception):
    def __init__(self, message: str, *, status: int, headers: dict | None = None) -> None:
        super().__init__(message)
        self.status_code = status
        self.response = SimpleNamespace(headers=headers or {})


class APIConnectionError(Exception):
    """Named like the OpenAI and Anthropic SDKs' own."""


class ReadTimeout(Exception):
    """Named like httpx's."""


@pytest.mark.parametrize(
    ("exc", "kind", "status"),
    [
        (ProviderError("slow down", status=429), "rate_limit", 429),
        (ProviderError("bad key", status=401), "auth", 401),
        (ProviderError("overloaded", status=529), "server", 529),
        (ProviderError("conflict", status=409), "server", 409),
        (ProviderError("too long", status=400), "rejected", 400),
        (ReadTimeout("read timed out"), "timeout", None),
        (TimeoutError(), "timeout", None),
        (APIConnectionError("refused"), "connection", None),
        (ConnectionResetError(), "connection", None),
    ],
)
def test_provider_failures_are_classified(exc, kind, status):
    failure = classify(exc)
    assert failure is not None and (failure.kind, failure.status) == (kind, status)


def test_a_bug_is_not_a_provider_failure_unless_its_cause_is():
    assert classify(KeyError("x")) is None and classify(None) is None
    wrapped = RuntimeError("graph failed")
    wrapped.__cause__ = ProviderError("slow down", status=429, headers={"retry-after": "3"})
    assert classify(wrapped) == Failure("rate_limit", 429, 3.0, "slow down")


def test_backoff_follows_retry_after_else_doubles_up_to_the_cap():
    assert [backoff(Failure("server"), n) for n in (1, 2, 3)] == [1.0, 2.0, 4.0]
    assert backoff(Failure("server"), 10) == MAX_BACKOFF_SECONDS
    assert backoff(Failure("rate_limit", retry_after=7.5), 1) == 7.5


def calls(worker, *outcomes):
    """ModelCalls around a handler that raises or returns each outcome in turn; sleeps and notes recorded."""
    notes, sleeps, left = [], [], list(outcomes)

    def handler(request):
        outcome = left.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    middleware = ModelCalls(
        worker=worker, observe=lambda k, t: notes.append((k, t)), turn=lambda: 3, sleep=sleeps.append
    )
    return middleware, handler, notes, sleeps


def test_retryable_failures_are_retried_with_a_note_each_then_the_answer_returns(rt):
    worker = rt.workers["support-triage"]  # model_max_retries: 2
    middleware, handler, notes, sleeps = calls(
        worker, ProviderError("overloaded", status=503), ReadTimeout("slow"), "the answer"
    )
    assert middleware.wrap_model_call("request", handler) == "the answer"
    assert sleeps == [1.0, 2.0]
    assert [k for k, _ in notes] == ["model-retry-3-1", "model-retry-3-2"]
    assert "failed (HTTP 503); retrying in 1s (attempt 2 of 3)" in notes[0][1]


def test_the_last_failure_becomes_a_verdict_and_auth_is_never_retried(rt):
    worker = rt.workers["support-triage"].model_copy(update={"model": "openai:gpt-test"})
    middleware, handler, notes, sleeps = calls(worker, *[ProviderError("overloaded", status=500)] * 3)
    with pytest.raises(ModelFailed, match=r"failed \(HTTP 500\); gave up after 3 attempts") as err:
        middleware.wrap_model_call("request", handler)
    assert err.value.attempts == 3 and len(sleeps) == 2
    middleware, handler, notes, sleeps = calls(worker, ProviderError("invalid key", status=401))
    with pytest.raises(ModelFailed, match="refused the credentials \\(HTTP 401\\): check OPENAI_API_KEY"):
        middleware.wrap_model_call("request", handler)
    assert sleeps == [] and notes == []


def test_a_retry_after_beyond_the_cap_fails_now_and_a_bug_propagates(rt):
    worker = rt.workers["support-triage"]
    long_wait = ProviderError("slow down", status=429, headers={"retry-after": "120"})
    middleware, handler, _, sleeps = calls(worker, long_wait)
    with pytest.raises(ModelFailed, match="asked to wait 120s"):
        middleware.wrap_model_call("request", handler)
    assert sleeps == []
    middleware, handler, _, _ = calls(worker, KeyError("a bug"))
    with pytest.raises(KeyError):
        middleware.wrap_model_call("request", handler)
