"""Per-worker tool sets: only tools listed under a worker's `tools:` are ever reachable."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from redis import Redis

from bot.core.config.models import WorkerConfig
from bot.core.config.tools import BuiltinIntegration
from bot.tools.base import Tool
from bot.tools.builtin import Backend, builtin_tools


class Toolbox:
    def __init__(self, *, redis: Redis, prefix: str, clock: Callable[[], datetime]) -> None:
        self.redis, self.prefix, self.clock = redis, prefix, clock
        self.providers: dict[str, Callable[[str, object, WorkerConfig], dict[str, Tool]]] = {}
        # Tools that belong to the worker rather than to an integration (e.g. `knowledge.search`).
        self.worker_providers: list[Callable[[WorkerConfig], dict[str, Tool]]] = []
        # The backends of the built-in modules (`transport: builtin`), registered by the composition root.
        self.builtins: dict[str, Backend] = {}
        # Built-in tools per (module, integration name, backend): pure for this toolbox's life, so built
        # once rather than at every tool call.
        self._built: dict[tuple[str, str, Backend], dict[str, Tool]] = {}

    def tools_for(self, worker: WorkerConfig) -> dict[str, Tool]:
        available: dict[str, Tool] = {}
        for name, integration in worker.integrations.items():
            if isinstance(integration, BuiltinIntegration):
                available |= self._builtin(integration.module, name)
            elif integration.transport in self.providers:
                available |= self.providers[integration.transport](name, integration, worker)
        for provider in self.worker_providers:
            available |= provider(worker)
        return {name: tool for name, tool in available.items() if name in worker.tools}

    def _builtin(self, module: str, integration: str) -> dict[str, Tool]:
        backend = self.builtins[module]  # KeyError: no backend registered for it
        key = (module, integration, backend)
        if key not in self._built:
            implementations = backend(redis=self.redis, prefix=self.prefix, clock=self.clock)
            self._built[key] = builtin_tools(module, integration=integration, implementations=implementations)
        return self._built[key]
