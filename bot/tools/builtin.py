"""Built-in integrations: in-process Python tools, named `integration.tool` like MCP ones.

This module holds the catalog (each built-in module's tool names and argument models, which config
validation reads); the functions behind a module come from a backend the composition root registers
(`Toolbox.builtins`), so the product's tools never import the demo that implements them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field
from redis import Redis

from bot.tools.base import FunctionTool, ToolSpec

# One tool's implementation: the function, and whether it takes the execution's idempotency key.
Implementation = tuple[Callable[..., dict[str, Any]], bool]


class Backend(Protocol):
    """Builds one built-in module's implementations (by short tool name) on the runtime's Redis."""

    def __call__(
        self, *, redis: Redis, prefix: str, clock: Callable[[], datetime]
    ) -> Mapping[str, Implementation]: ...


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TicketArgs(_Args):
    ticket_id: str


class AccountArgs(_Args):
    account_id: str


class TierArgs(_Args):
    tier: str


class CreditArgs(_Args):
    account_id: str
    amount: float = Field(gt=0)
    reason: str = "support credit"


class PreviewCreditArgs(_Args):
    account_id: str
    amount: float


class ReverseArgs(_Args):
    credit_id: str


class PersonArgs(_Args):
    username: str


class AppArgs(_Args):
    app: str


class GrantArgs(_Args):
    username: str
    app: str
    days: int = Field(default=30, gt=0)


HELPDESK_SPECS = [
    ToolSpec(
        name="helpdesk.get_ticket",
        description="Read one support ticket.",
        args_model=TicketArgs,
        read_only=True,
    ),
    ToolSpec(
        name="helpdesk.get_account_history",
        description="Read a customer's account and credit history.",
        args_model=AccountArgs,
        read_only=True,
    ),
    ToolSpec(
        name="helpdesk.get_entitlement_policy",
        description="Read the entitlement policy for a tier.",
        args_model=TierArgs,
        read_only=True,
    ),
    ToolSpec(
        name="helpdesk.issue_credit",
        description="Issue a service credit to an account.",
        args_model=CreditArgs,
    ),
    ToolSpec(
        name="helpdesk.preview_credit",
        description="What a credit would change: the balance before and after, credits this quarter.",
        args_model=PreviewCreditArgs,
        read_only=True,
    ),
    ToolSpec(name="helpdesk.reverse_credit", description="Reverse a credit.", args_model=ReverseArgs),
    ToolSpec(
        name="helpdesk.delete_account", description="Delete a customer account.", args_model=AccountArgs
    ),
]
DIRECTORY_SPECS = [
    ToolSpec(
        name="directory.get_person",
        description="Read a person and their grants.",
        args_model=PersonArgs,
        read_only=True,
    ),
    ToolSpec(
        name="directory.get_app_policy",
        description="Read an application's access policy.",
        args_model=AppArgs,
        read_only=True,
    ),
    ToolSpec(
        name="directory.grant_access",
        description="Grant a person access to an application.",
        args_model=GrantArgs,
    ),
]
CATALOG: dict[str, list[ToolSpec]] = {"helpdesk": HELPDESK_SPECS, "directory": DIRECTORY_SPECS}


def builtin_tools(
    module: str, *, integration: str, implementations: Mapping[str, Implementation]
) -> dict[str, FunctionTool]:
    """One built-in integration's tools, renamed under the config's integration name."""
    tools = {}
    for spec in CATALOG[module]:
        short = spec.name.split(".", 1)[1]
        func, keyed = implementations[short]
        named = ToolSpec(
            name=f"{integration}.{short}",
            description=spec.description,
            args_model=spec.args_model,
            read_only=spec.read_only,
        )
        tools[named.name] = FunctionTool(spec=named, func=func, takes_idempotency_key=keyed)
    return tools


def builtin_tool_names(module: str, integration: str) -> set[str] | None:
    specs = CATALOG.get(module)
    return None if specs is None else {f"{integration}.{s.name.split('.', 1)[1]}" for s in specs}


def builtin_args_model(module: str, short_name: str) -> type[BaseModel] | None:
    return next(
        (s.args_model for s in CATALOG.get(module, []) if s.name.split(".", 1)[1] == short_name), None
    )
