"""The policy gate: what may happen to one tool call. It sits outside the model: only the config and the
owner's controls decide."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bot.core.conditions import describe, matches
from bot.core.config.models import WorkerConfig
from bot.core.models import Control

Verdict = Literal["run", "propose", "auto", "refuse"]


@dataclass(frozen=True, kw_only=True)
class GateDecision:
    verdict: Verdict
    tier: str
    rule: str  # human-readable: which rule produced this verdict
    shadow: bool = False


def gate(
    worker: WorkerConfig, control: Control, tool: str, args: Mapping[str, Any], *, dry_run: bool = False
) -> GateDecision:
    """Decide what may happen to one tool call. `args` are already normalized by the tool's schema.
    `dry_run`: the call is the tool's dry run (an effect preview, bot/missions/preview.py): a read, once
    the kill switch, `forbidden` and `forbid` let it through."""
    policy = worker.policy(tool)
    if control.killed:
        return GateDecision(
            verdict="refuse", tier=policy.tier if policy else "unknown", rule="kill switch is pulled"
        )
    if policy is None:
        return GateDecision(verdict="refuse", tier="unknown", rule=f"{tool} is not listed under tools")
    if policy.tier == "forbidden":
        return GateDecision(verdict="refuse", tier="forbidden", rule=f"{tool} is forbidden")
    if policy.forbid and matches(policy.forbid, args, on_timeout=True):  # a timeout refuses
        return GateDecision(verdict="refuse", tier=policy.tier, rule=f"forbid: {describe(policy.forbid)}")
    if policy.tier == "read":
        return GateDecision(verdict="run", tier="read", rule="read tier")
    if dry_run:  # changes nothing: no approval, no idempotency key, no execution record
        return GateDecision(verdict="run", tier="read", rule="dry run: changes nothing")
    if control.autonomy == "shadow":
        return GateDecision(
            verdict="propose", tier=policy.tier, rule="shadow mode: nothing executes", shadow=True
        )
    if control.autonomy == "autonomous" and policy.auto_approve and matches(policy.auto_approve, args):
        return GateDecision(
            verdict="auto", tier=policy.tier, rule=f"auto_approve: {describe(policy.auto_approve)}"
        )
    return GateDecision(verdict="propose", tier=policy.tier, rule=f"{policy.tier} tier needs an approver")
