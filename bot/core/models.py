"""Domain records kept in Redis. Plain pydantic models: the store serializes them as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

MissionStatus = Literal[
    "queued",
    "running",
    "awaiting_approval",
    "awaiting_info",
    "done",
    "failed",
    "cancelled",
    "withdrawn",  # cancelled by its requester (bot/missions/requesters.py)
    "halted",
    "expired",
]
ProposalStatus = Literal[
    "pending",
    "approved",
    "executing",
    "executed",
    "failed",
    "rejected",
    "expired",
    "halted",
    "shadow_approved",
    "shadow_rejected",
    "closed",
]
SETTLED: frozenset[str] = frozenset(
    {"executed", "failed", "rejected", "expired", "halted", "shadow_approved", "shadow_rejected", "closed"}
)
OPEN_MISSION: frozenset[str] = frozenset({"queued", "running", "awaiting_approval", "awaiting_info"})


class MessageRef(BaseModel):
    """Where a message lives on its platform, so it can be updated in place later."""

    platform: str
    conversation: str
    ts: str
    thread: str | None = None


class Request(BaseModel):
    platform: str
    conversation: str
    requester: str
    text: str
    thread: str | None = None  # the thread the request belongs to (Slack: ts of the mention)
    locale: str | None = None  # the requester's locale when the platform sends it (Teams `activity.locale`)


class Observation(BaseModel):
    key: str  # stable per step, so a retried mission does not record or post it twice
    text: str
    at: datetime
    detail: dict[str, Any] = {}


class Mission(BaseModel):
    id: str
    worker: str
    mission: str
    platform: str
    conversation: str
    thread: str | None
    requester: str
    text: str
    vars: dict[str, Any] = {}
    locale: str | None = None  # the requester's (Request.locale): what the mission posts reads in it
    status: MissionStatus = "queued"
    created_at: datetime
    updated_at: datetime
    cursor: int = 0
    state: dict[str, Any] = {}
    status_ref: MessageRef | None = None
    verdict: str | None = None
    proposals: list[str] = []
    context: list[str] = []
    tokens: int = 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_MISSION

    @property
    def thread_root(self) -> str | None:
        """The root message of the mission's thread: the request's thread, else the status message."""
        if self.thread:
            return self.thread
        ref = self.status_ref
        return (ref.thread or ref.ts or None) if ref else None


class Approval(BaseModel):
    """One approval counted toward a quorum (bot/missions/quorum.py)."""

    actor: str
    at: datetime
    platform: str
    via: str | None = None  # the approver group that authorized them (None: listed by name)
    slot: str | None = None  # the `from_groups` group this approval fills
    delegate: str | None = None  # who clicked, on `actor`'s behalf (bot/missions/delegation.py)


class Proposal(BaseModel):
    id: str
    mission_id: str
    worker: str
    tool: str
    args: dict[str, Any]
    tier: str
    rule: str | None = None  # the policy rule that sent it here (auto_approve match, tier)
    rationale: str = ""
    description: str = ""  # what the tool does, in its own words (the MCP tool's or the config's)
    shadow: bool = False
    requester: str
    status: ProposalStatus = "pending"
    created_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    decided_on: str | None = None  # platform the decision came from
    halted_by: str | None = None  # who pulled the kill switch that halted it (bot/missions/kill_switch.py)
    reason_code: str | None = None
    comment: str | None = None
    result: dict[str, Any] | None = None
    error: str | None = None
    cards: list[MessageRef] = Field(default_factory=list)
    escalation_level: int = 0  # 1 reminded, 2 re-routed, 3 sent to the owner (bot/missions/escalation.py)
    escalation_note: str | None = None  # the line every copy of the card shows about it
    escalation_done: int = 0  # the highest step whose messages all went out; below the level = retry it
    undo_of: str | None = None  # this proposal undoes that executed one
    reversed_by: str | None = None  # the executed undo that reversed this action (bot/missions/undo.py)
    tool_hash: str | None = None  # the tool's definition when proposed (bot/tools/pins.py); a change voids it
    context: list[str] = []  # what the requester added to the mission before this was proposed
    decided_via: str | None = None  # the approver group through which `decided_by` was authorized
    decided_for: str | None = None  # a delegate decided on this person's behalf
    approvals: list[Approval] = []  # a quorum's approvals so far (the last one decides)
    preview: str | None = None  # "What will change", read when proposed (bot/missions/preview.py)
    preview_guard: dict[str, Any] | None = None  # the preview's guarded facts, compared before execution
    preview_changed: str | None = None  # what changed since the approvers were asked (asked again)
    asked: int = 0  # times asked again after the world changed: each round's decision is its own
    original_args: dict[str, Any] | None = None  # as proposed, when an approver changed `args` (edits.py)
    edited_by: str | None = None  # who changed them last
    args_version: int = 0  # bumped by each edit: a card's Approve carries the one it showed (card_edits.py)
    closed_because: str | None = (
        None  # status "closed": the status its mission closed with (bot/core/lifecycle.py)
    )

    @property
    def settled(self) -> bool:
        return self.status in SETTLED


class Control(BaseModel):
    """Runtime control of a worker, owned by its owner; overrides the config's starting autonomy."""

    autonomy: str
    killed: bool = False
    changed_by: str | None = None
    changed_at: datetime | None = None
