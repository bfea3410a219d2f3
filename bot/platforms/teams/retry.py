"""When to retry a Bot Framework connector call, and how long to wait.

412 (a concurrent update of the same activity), 429 (throttled), 502 and 504 are retried a bounded number
of times with jittered exponential backoff; a 429 that says `Retry-After` waits that long instead,
capped, so a huge value cannot park an RQ job (the job's own retry takes over after the last attempt).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from msrest.exceptions import HttpOperationError
from tenacity import (
    RetryCallState,
    before_sleep_log,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from bot.core import metrics

log = logging.getLogger(__name__)
RETRYABLE = {412, 429, 502, 504}


def status_of(err: BaseException | None) -> int | None:
    return getattr(getattr(err, "response", None), "status_code", None)


def retryable(err: BaseException) -> bool:
    return isinstance(err, HttpOperationError) and status_of(err) in RETRYABLE


def counted(err: BaseException) -> bool:
    """tenacity's retry predicate sees every failed connector call: count it, then `retryable`."""
    metrics.PLATFORM_ERRORS.labels(platform="teams", status=metrics.status_class(status_of(err))).inc()
    return retryable(err)


def retry_after(err: BaseException | None, *, now: datetime | None = None) -> float | None:
    """Seconds a 429 asks us to wait (delta-seconds or an HTTP date), or None if it does not say."""
    if status_of(err) != 429:
        return None
    headers = getattr(getattr(err, "response", None), "headers", None) or {}
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class Wait:
    """tenacity wait: the server's Retry-After (at most `max_retry_after`), else jittered backoff."""

    def __init__(self, *, backoff_seconds: float, max_backoff_seconds: float, max_retry_after: float) -> None:
        self.backoff = wait_random_exponential(multiplier=backoff_seconds, max=max_backoff_seconds)
        self.max_retry_after = max_retry_after

    def __call__(self, state: RetryCallState) -> float:
        asked = retry_after(state.outcome.exception() if state.outcome else None)
        return self.backoff(state) if asked is None else min(asked, self.max_retry_after)


def retry_policy(
    *,
    attempts: int,
    backoff_seconds: float,
    max_backoff_seconds: float,
    max_retry_after: float,
    sleep: Callable[[float], Awaitable[None]] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for `tenacity.AsyncRetrying`."""
    policy: dict[str, Any] = dict(
        stop=stop_after_attempt(attempts),
        reraise=True,
        retry=retry_if_exception(counted),
        wait=Wait(
            backoff_seconds=backoff_seconds,
            max_backoff_seconds=max_backoff_seconds,
            max_retry_after=max_retry_after,
        ),
        before_sleep=before_sleep_log(log, logging.WARNING),
    )
    if sleep is not None:
        policy["sleep"] = sleep
    return policy
