"""The one Slack Web API client factory: the jobs' sync WebClient and the bolt app's AsyncWebClient.

Both talk to the same base URL with the same token and the same retry rule: only rate-limit answers are
retried (Retry-After), because Slack took no action on a 429, so retrying cannot double-post. slack_sdk's
default connection-error retry is left out on purpose: a connection reset after Slack stored a message
would post it twice.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.core import metrics
from bot.core.settings import Settings

RATE_LIMIT_RETRIES = 3


def _count(response: HttpResponse | None, error: Exception | None) -> None:
    status = response.status_code if response is not None else None
    if error is not None or (status is not None and status >= 400):
        metrics.PLATFORM_ERRORS.labels(platform="slack", status=metrics.status_class(status)).inc()


class CountingRetryHandler(RateLimitErrorRetryHandler):
    """slack_sdk asks the retry handlers about every failed attempt: count it, then RateLimit's rule."""

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        _count(response, error)
        return super().can_retry(state=state, request=request, response=response, error=error)


class AsyncCountingRetryHandler(AsyncRateLimitErrorRetryHandler):
    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        _count(response, error)
        return await super().can_retry_async(state=state, request=request, response=response, error=error)


def base_url(api_url: str) -> str:
    """slack_sdk joins method names onto the base URL, so it must end with a slash."""
    return api_url if api_url.endswith("/") else api_url + "/"


def web_client(*, token: str, api_url: str) -> WebClient:
    """For RQ jobs and other sync code (the messenger)."""
    return WebClient(
        token=token,
        base_url=base_url(api_url),
        retry_handlers=[CountingRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
    )


def async_web_client(*, token: str, api_url: str) -> AsyncWebClient:
    """For the bolt app's listeners."""
    return AsyncWebClient(
        token=token,
        base_url=base_url(api_url),
        retry_handlers=[AsyncCountingRetryHandler(max_retry_count=RATE_LIMIT_RETRIES)],
    )


def slack_client(settings: Settings) -> WebClient:
    """The sync client for SLACK_BOT_TOKEN at SLACK_API_URL."""
    if settings.slack_bot_token is None:
        raise ValueError("SLACK_BOT_TOKEN is not set")
    return web_client(token=settings.slack_bot_token.get_secret_value(), api_url=settings.slack_api_url)
