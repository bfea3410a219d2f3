"""A worker's tools: how each is reached (`integrations`) and the policy of each (`tools`): tier, conditions,
quorum, preview, the arguments an approver may edit, and how its fields read."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from bot.core.config.primitives import Strict
from bot.core.formatting import FieldFormat
from bot.core.regexes import check_pattern

Tier = Literal["read", "write", "execute", "forbidden"]
Operator = Literal["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "matches"]


def _safe_matches(ops: dict[Operator, Any]) -> dict[Operator, Any]:
    if "matches" in ops:
        check_pattern(str(ops["matches"]))  # refused at load, with the argument's line
    return ops


# {argument: {operator: value}}; every pair must hold (AND).
Condition = dict[str, Annotated[dict[Operator, Any], AfterValidator(_safe_matches)]]


class BuiltinIntegration(Strict):
    transport: Literal["builtin"]
    module: str


class StdioIntegration(Strict):
    transport: Literal["stdio"]
    command: str
    args: list[str] = []
    env: dict[str, str] = {}
    timeout_seconds: float = Field(default=30, gt=0)


class HttpIntegration(Strict):
    transport: Literal["streamable_http"]
    url: str
    headers: dict[str, str] = {}
    timeout_seconds: float = Field(default=30, gt=0)


Integration = Annotated[
    BuiltinIntegration | StdioIntegration | HttpIntegration, Field(discriminator="transport")
]


class FieldSpec(Strict):
    """How one argument or result field reads on cards and in the thread (`format: currency`)."""

    format: FieldFormat = "auto"
    label: str | None = Field(default=None, min_length=1)


class PreviewSpec(Strict):
    """What an action will change, read before it is asked and again before it runs (bot/missions/preview.py):
    a read-tier `tool` called with `args` templated over the proposal's arguments, or (`dry_run: true`) the
    same MCP tool called with the proposal's own arguments and `dry_run: true`, for a server whose tool
    declares that boolean input."""

    tool: str | None = None
    dry_run: bool = False
    args: dict[str, Any] = {}
    summary: str | None = Field(default=None, min_length=1)  # template over the result, for the card
    # Result fields whose change between the proposal and its execution stops it and asks again
    # (a ticket closed, a limit reached); empty: any change of the result.
    guard: list[str] = []

    @model_validator(mode="after")
    def _one_source(self) -> PreviewSpec:
        if self.dry_run and (self.tool or self.args):
            raise ValueError("a dry run calls the tool itself with the proposal's arguments: no tool or args")
        if not self.dry_run and not self.tool:
            raise ValueError("a preview names a read-tier tool, or asks for `dry_run: true`")
        return self


class EditBounds(Strict):
    """What an approver may change one argument to (bot/core/policy/edits.py): numeric bounds for a
    number, `max_length` for a string; `{}` allows any string (or any number)."""

    gte: float | None = None
    lte: float | None = None
    gt: float | None = None
    lt: float | None = None
    max_length: int | None = Field(default=None, ge=1, le=4000)

    @field_validator("max_length")
    @classmethod
    def _text_only(cls, value: int | None, info: Any) -> int | None:
        numeric = [k for k in ("gte", "lte", "gt", "lt") if info.data.get(k) is not None]
        if value is not None and numeric:
            raise ValueError(f"max_length is for a text argument; it cannot go with {', '.join(numeric)}")
        return value


class ToolPolicy(Strict):
    tier: Tier
    description: str | None = None  # what the action does, in plain words, for its card (else the tool's)
    # A sandboxed template over the tool's result, e.g. "Ticket {{ ticket_id }}: {{ subject }}"; without
    # one the thread shows a few scalar fields (bot/core/observations.py).
    summary: str | None = Field(default=None, min_length=1)
    fields: dict[str, FieldSpec] = {}  # argument and result fields by name
    auto_approve: Condition | None = None
    forbid: Condition | None = None
    undo: str | None = None
    undo_window_minutes: int = Field(default=1440, ge=1)  # how long after execution "Undo" is offered
    # Quorum (bot/missions/quorum.py): this many distinct people approve; with from_groups, one from each.
    approvals_required: int = Field(default=1, ge=1, le=5)
    from_groups: list[str] = []
    preview: PreviewSpec | None = None  # "What will change" on the card, checked again before execution
    # Arguments an approver may change before approving, each with its bounds ("Approve with changes").
    editable: dict[str, EditBounds] = {}
