"""An approval with changes, before and inside the decision's transaction (bot/missions/decisions.py).

`prepare` runs before anything is written: the edit within its bounds (bot/core/policy/edits.py), the
edited arguments normalized by the tool's schema, then the gate again (`forbid`, tiers, the kill switch).
`apply` runs inside the WATCH transaction: the proposal takes the edited arguments, keeps the original ones
and, under a quorum, drops the approvals already given (they were for other arguments).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.errors import BadRequest, ToolError
from bot.core.models import Proposal
from bot.core.policy import edits
from bot.core.policy.tool_gate import gate
from bot.core.runtime import Runtime
from bot.tools.base import normalize_args


def prepare(rt: Runtime, proposal: Proposal, changes: Mapping[str, Any]) -> dict[str, Any] | None:
    """The edited, normalized arguments, or None when the edit changes nothing (a plain approval).
    Raises BadRequest with the reason for an edit out of bounds or one the gate refuses."""
    worker = rt.worker(proposal.worker)
    edited = edits.apply(worker.policy(proposal.tool), proposal.args, changes)
    tool = rt.toolbox.tools_for(worker).get(proposal.tool)
    if tool is not None:
        try:
            edited = normalize_args(tool.spec, edited)
        except ToolError as exc:
            raise BadRequest(str(exc)) from None
    if edited == proposal.args:
        return None
    decision = gate(worker, rt.control(worker.name), proposal.tool, edited)
    if decision.verdict == "refuse":
        raise BadRequest(f"The changed {proposal.tool} is refused ({decision.rule}); nothing changed.")
    return edited


def apply(p: Proposal, *, seen: Mapping[str, Any], edited: Mapping[str, Any], actor: str) -> Proposal:
    """`p` with the edited arguments. `seen` are the arguments the edit was checked against: another
    approver's edit committed meanwhile makes this one stale, and it is refused rather than merged."""
    if p.args != seen:
        raise BadRequest("Another approver changed this action meanwhile; look at the card again.")
    update: dict[str, Any] = {"args": dict(edited), "edited_by": actor, "approvals": []}
    update["args_version"] = p.args_version + 1  # the cards shown before can no longer approve
    update["original_args"] = p.original_args if p.original_args is not None else p.args
    return p.model_copy(update=update)
