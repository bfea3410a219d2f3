"""Model calls that end: a provider failure is classified, retried within the worker's budget, and shown.

The provider clients are built without retries of their own (`chat_models._client_options`), so every
retry passes here: a 429 or a timeout becomes an observation in the thread, and the last failure becomes a
verdict (`ModelFailed`) instead of an exception that RQ would retry for another 40 minutes. Exceptions that
are not the provider's (bugs) propagate unchanged. Providers are recognised by duck typing (`status_code`,
exception class names), so no provider package is imported here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from langchain.agents.middleware import AgentMiddleware
from langgraph.errors import GraphBubbleUp

from bot.core.config.models import WorkerConfig
from bot.core.errors import MissionbotError
from bot.missions.planners.chat_models import KEY_VARIABLES, provider_of

MAX_BACKOFF_SECONDS = 20.0  # a longer Retry-After fails the call now rather than hold the worker

Kind = Literal["timeout", "rate_limit", "auth", "server", "connection", "rejected"]
RETRYABLE: frozenset[str] = frozenset({"timeout", "rate_limit", "server", "connection"})


@dataclass(frozen=True)
class Failure:
    kind: Kind
    status: int | None = None
    retry_after: float | None = None
    detail: str = ""


def classify(exc: BaseException | None) -> Failure | None:
    """What went wrong in a provider call, or None when the exception is not a provider failure."""
    if exc is None:
        return None
    names = {cls.__name__ for cls in type(exc).__mro__}
    status = getattr(exc, "status_code", None)
    detail = _short(str(exc))
    if isinstance(exc, TimeoutError) or any("Timeout" in n for n in names):
        return Failure("timeout", detail=detail)
    if isinstance(status, int) and not isinstance(status, bool):
        if status == 429:
            return Failure("rate_limit", status, _retry_after(exc), detail)
        if status in {401, 403}:
            return Failure("auth", status, detail=detail)
        if status >= 500 or status in {408, 409}:
            return Failure("server", status, detail=detail)
        return Failure("rejected", status, detail=detail)
    if names & {"APIConnectionError", "TransportError", "ConnectError"} or isinstance(exc, ConnectionError):
        return Failure("connection", detail=detail)
    return classify(exc.__cause__) if exc.__cause__ is not exc else None


def _retry_after(exc: BaseException) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        return max(0.0, float(headers.get("retry-after", "")))
    except (TypeError, ValueError):
        return None  # absent, or an HTTP date: fall back to our own backoff


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ModelFailed(MissionbotError):
    """The model could not answer within the worker's budget; `str()` is the verdict for the requester."""

    def __init__(self, failure: Failure, *, worker: WorkerConfig, attempts: int) -> None:
        self.failure, self.attempts = failure, attempts
        super().__init__(_verdict(failure, worker, attempts))


def _verdict(f: Failure, worker: WorkerConfig, attempts: int) -> str:
    tries = f"gave up after {attempts} attempt{'s' if attempts != 1 else ''}"
    model = worker.model
    if f.kind == "timeout":
        return (
            f"The model {model} did not answer: no reply within {worker.model_timeout_seconds:g}s; {tries}. "
            "Nothing further will run; try again later."
        )
    if f.kind == "rate_limit":
        wait = (
            f" and asked to wait {f.retry_after:g}s"
            if f.retry_after and f.retry_after > MAX_BACKOFF_SECONDS
            else ""
        )
        return (
            f"The provider of {model} is rate limiting this worker (HTTP 429){wait}; {tries}. "
            "Try again later."
        )
    if f.kind == "auth":
        keys = " or ".join(KEY_VARIABLES.get(provider_of(worker), ())) or "the provider's credentials"
        return f"The provider of {model} refused the credentials (HTTP {f.status}): check {keys}. {f.detail}"
    if f.kind == "server":
        return f"The provider of {model} failed (HTTP {f.status}); {tries}: {f.detail}"
    if f.kind == "connection":
        return f"Could not reach the provider of {model}; {tries}: {f.detail}"
    return f"The provider of {model} rejected the request (HTTP {f.status}): {f.detail}"


def _retry_note(f: Failure, worker: WorkerConfig, delay: float, attempt: int, attempts: int) -> str:
    then = f"retrying in {delay:g}s (attempt {attempt + 1} of {attempts})"
    if f.kind == "rate_limit":
        return f"⏳ The provider of {worker.model} is rate limiting this worker (HTTP 429); {then}."
    if f.kind == "timeout":
        return f"⏳ {worker.model} did not answer within {worker.model_timeout_seconds:g}s; {then}."
    if f.kind == "server":
        return f"⚠️ {worker.model} failed (HTTP {f.status}); {then}."
    return f"⚠️ Could not reach the provider of {worker.model}; {then}."


def backoff(failure: Failure, attempt: int) -> float:
    """Seconds before the next attempt: the provider's Retry-After when it gives one, else 1, 2, 4, ..."""
    if failure.retry_after is not None:
        return failure.retry_after
    return min(float(2 ** (attempt - 1)), MAX_BACKOFF_SECONDS)


class ModelCalls(AgentMiddleware):
    """Wraps each model call of one agent run; `observe(key, text)` writes to the mission's thread."""

    def __init__(
        self,
        *,
        worker: WorkerConfig,
        observe: Callable[[str, str], None],
        turn: Callable[[], int],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__()
        self.worker, self.observe, self.turn, self.sleep = worker, observe, turn, sleep

    def wrap_model_call(self, request: Any, handler: Callable[[Any], Any]) -> Any:
        attempts = self.worker.model_max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return handler(request)
            except GraphBubbleUp:
                raise
            except Exception as exc:
                failure = classify(exc)
                if failure is None:
                    raise  # not the provider's failure: a bug, for RQ and the logs
                delay = backoff(failure, attempt)
                if failure.kind not in RETRYABLE or attempt == attempts or delay > MAX_BACKOFF_SECONDS:
                    raise ModelFailed(failure, worker=self.worker, attempts=attempt) from exc
                self.observe(
                    f"model-retry-{self.turn()}-{attempt}",
                    _retry_note(failure, self.worker, delay, attempt, attempts),
                )
                self.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")
