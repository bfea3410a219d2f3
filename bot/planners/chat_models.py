"""Build a worker's chat model from `model: provider:model` through LangChain's `init_chat_model`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.config.models import WorkerConfig
from bot.errors import MissionbotError

# provider -> the missionbot extra that installs its LangChain integration package
EXTRAS = {"openai": "openai", "azure_openai": "openai", "anthropic": "anthropic", "ollama": "ollama",
          "google_genai": "google", "mistralai": "mistral", "groq": "groq", "bedrock": "bedrock",
          "bedrock_converse": "bedrock"}

ModelFactory = Callable[[WorkerConfig], Any]


class ModelUnavailable(MissionbotError):
    """The configured model cannot be built here (missing extra, unknown provider)."""


def build_chat_model(worker: WorkerConfig) -> Any:
    """A LangChain chat model for `worker.model` (never `playbook`)."""
    from langchain.chat_models import init_chat_model

    provider, sep, name = worker.model.partition(":")
    if not sep or not name:
        raise ModelUnavailable(f"model {worker.model!r} of {worker.name} is not provider:model "
                               "(for example openai:gpt-4.1-mini, anthropic:claude-sonnet-4-5, ollama:llama3.1)")
    try:
        return init_chat_model(name, model_provider=provider, temperature=0)
    except ImportError as exc:
        extra = EXTRAS.get(provider, provider)
        raise ModelUnavailable(f"{worker.name} uses {worker.model}, but its provider package is not installed: "
                               f"pip install 'missionbot[{extra}]' ({exc})") from None
    except ValueError as exc:  # unknown provider, missing API key, ...
        raise ModelUnavailable(f"{worker.name} cannot build {worker.model}: {exc}") from None
