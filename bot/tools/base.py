"""The one Tool interface every integration (built-in or MCP) sits behind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from bot.core.errors import ToolError


@dataclass(frozen=True, kw_only=True)
class ToolSpec:
    name: str  # "server.tool"
    description: str
    args_model: type[BaseModel]
    read_only: bool = False  # a hint for `missionbot tools`; the config's tier always wins
    definition_hash: str | None = None  # an MCP tool's definition as its server describes it (pins.py)
    dry_run: bool = False  # it declares a boolean `dry_run` input: a preview may call it with `dry_run: true`


class Tool(Protocol):
    spec: ToolSpec

    def call(
        self, args: Mapping[str, Any], *, idempotency_key: str | None, dry_run: bool = False
    ) -> dict[str, Any]:
        """`dry_run`: the server's dry run (only a tool whose `spec.dry_run` is set offers one)."""
        ...


@dataclass(frozen=True, kw_only=True)
class FunctionTool:
    """A tool backed by a Python callable that takes validated keyword arguments."""

    spec: ToolSpec
    func: Callable[..., dict[str, Any]]
    takes_idempotency_key: bool = False

    def call(
        self, args: Mapping[str, Any], *, idempotency_key: str | None, dry_run: bool = False
    ) -> dict[str, Any]:
        if dry_run:  # never the effect instead: a built-in tool has no dry run
            raise ToolError(f"{self.spec.name} has no dry run")
        kwargs = normalize_args(self.spec, args)
        if self.takes_idempotency_key:
            kwargs["idempotency_key"] = idempotency_key
        return self.func(**kwargs)


def normalize_args(spec: ToolSpec, args: Mapping[str, Any]) -> dict[str, Any]:
    """Coerce template-rendered strings to the tool's declared types; the gate judges these values."""
    try:
        return spec.args_model.model_validate(dict(args)).model_dump()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'args'}: {e['msg']}" for e in exc.errors())
        raise ToolError(f"{spec.name}: bad arguments: {problems}") from None
