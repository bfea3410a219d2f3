"""Policy: what may happen to a tool call (`gate`, tool_gate.py) and who may decide (deciders.py).

Both sit outside the model: only the worker config, the owner's controls and the people involved decide.
"""

from bot.core.policy.deciders import (
    Members,
    approver_entry,
    authorize_controls,
    authorize_decision,
    authorize_digest,
    authorize_undo_request,
    decision_refusal,
    is_approver,
    mention,
    who_can_decide,
)
from bot.core.policy.tool_gate import GateDecision, Verdict, gate

__all__ = [
    "GateDecision",
    "Members",
    "approver_entry",
    "Verdict",
    "authorize_controls",
    "authorize_decision",
    "authorize_digest",
    "authorize_undo_request",
    "decision_refusal",
    "gate",
    "is_approver",
    "mention",
    "who_can_decide",
]
