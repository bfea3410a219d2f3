"""Build a worker's chat model from `model: provider:model` through LangChain's `init_chat_model`.

The provider's HTTP client gets the worker's `model_timeout_seconds` and no retries of its own: the agent
retries (`bot/missions/planners/model_calls.py`) so that each retry shows in the thread and the budget is the
worker's `model_max_retries`, whatever the provider.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from bot.core.config.models import WorkerConfig
from bot.core.errors import MissionbotError

# provider -> the missionbot extra that installs its LangChain integration package
EXTRAS = {
    "openai": "openai",
    "azure_openai": "openai",
    "anthropic": "anthropic",
    "ollama": "ollama",
    "google_genai": "google",
    "mistralai": "mistral",
    "groq": "groq",
    "bedrock": "bedrock",
    "bedrock_converse": "bedrock",
}

# provider -> the environment variables its LangChain package reads the API key from (any one will do).
# Providers absent here need no key (ollama) or use their own credential chain (bedrock: AWS).
KEY_VARIABLES = {
    "openai": ("OPENAI_API_KEY",),
    "azure_openai": ("AZURE_OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "google_genai": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    "mistralai": ("MISTRAL_API_KEY",),
    "groq": ("GROQ_API_KEY",),
}

ModelFactory = Callable[[WorkerConfig], Any]


class ModelUnavailable(MissionbotError):
    """The configured model cannot be built here (missing extra, unknown provider, no API key)."""


def provider_of(worker: WorkerConfig) -> str:
    return worker.model.partition(":")[0]


def missing_key(worker: WorkerConfig, *, env: dict[str, str] | None = None) -> str | None:
    """The variable to set when the worker's provider needs an API key and none is set, else None."""
    if worker.is_playbook:
        return None
    names = KEY_VARIABLES.get(provider_of(worker), ())
    environ = os.environ if env is None else env
    if names and not any(environ.get(n, "").strip() for n in names):
        return " or ".join(names)
    return None


def _client_options(provider: str, worker: WorkerConfig) -> dict[str, Any]:
    """The per-call timeout, and no client-side retries, in the keyword each integration takes."""
    timeout = worker.model_timeout_seconds
    if provider == "ollama":  # ChatOllama hands `client_kwargs` to its httpx client
        return {"client_kwargs": {"timeout": timeout}}
    if provider in {"bedrock", "bedrock_converse"}:
        from botocore.config import Config

        return {"config": Config(read_timeout=timeout, connect_timeout=timeout, retries={"max_attempts": 1})}
    return {"timeout": timeout, "max_retries": 0}


def build_chat_model(worker: WorkerConfig) -> Any:
    """A LangChain chat model for `worker.model` (never `playbook`)."""
    from langchain.chat_models import init_chat_model

    provider, sep, name = worker.model.partition(":")
    if not sep or not name:
        raise ModelUnavailable(
            f"model {worker.model!r} of {worker.name} is not provider:model "
            "(for example openai:gpt-4.1-mini, anthropic:claude-sonnet-4-5, ollama:llama3.1)"
        )
    if variable := missing_key(worker):
        raise ModelUnavailable(
            f"{variable} is not set: {worker.name} uses {worker.model}, whose provider needs "
            "an API key in the environment of `missionbot worker`"
        )
    try:
        return init_chat_model(
            name, model_provider=provider, temperature=0, **_client_options(provider, worker)
        )
    except ImportError as exc:
        extra = EXTRAS.get(provider, provider)
        raise ModelUnavailable(
            f"{worker.name} uses {worker.model}, but its provider package is not installed: "
            f"pip install 'missionbot[{extra}]' ({exc})"
        ) from None
    except Exception as exc:  # unknown provider, rejected settings, a credential the client refuses, ...
        # Building a client does no model call: anything raised here is configuration, not a transient fault.
        raise ModelUnavailable(
            f"{worker.name} cannot build {worker.model}: {type(exc).__name__}: {exc}"
        ) from None
