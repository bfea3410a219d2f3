"""Approve with changes: the rules for an approver's edit of a proposal's arguments.

A tool lists what may change (`editable: {amount: {gte: 0, lte: 250}}`); an edit outside that is refused
with the reason and changes nothing. Pure functions over the config and the arguments; the decision
(bot/missions/decisions.py) then normalizes the edited arguments with the tool's schema and passes them
through the gate again before it records anything.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from bot.core.config.tools import EditBounds, ToolPolicy
from bot.core.errors import BadRequest
from bot.core.messages import value_text
from bot.core.models import Proposal
from bot.core.policy.deciders import mention

_BOUNDS = (("gte", "≥", float.__ge__), ("lte", "≤", float.__le__), ("gt", ">", float.__gt__))
_BOUNDS += (("lt", "<", float.__lt__),)
TEXT_LIMIT = 2000  # a text argument without `max_length`


def _number(arg: str, raw: Any) -> int | float:
    try:
        value = float(str(raw).strip().replace(",", ""))
    except ValueError:
        raise BadRequest(f"{arg} must be a number, not {str(raw)[:40]!r}.") from None
    if not math.isfinite(value):
        raise BadRequest(f"{arg} must be a finite number.")
    return int(value) if value.is_integer() else value


def _value(arg: str, bounds: EditBounds, original: Any, raw: Any) -> Any:
    """`raw` (text from a modal, a card input or the shell) as the argument's type, within its bounds."""
    numeric = any(getattr(bounds, k) is not None for k, _, _ in _BOUNDS)
    if numeric or (isinstance(original, int | float) and not isinstance(original, bool)):
        value = _number(arg, raw)
        for key, sign, holds in _BOUNDS:
            limit = getattr(bounds, key)
            if limit is not None and not holds(float(value), float(limit)):
                raise BadRequest(f"{arg} = {value} is out of bounds: it must be {sign} {limit:g}.")
        return value
    text, limit = str(raw).strip(), bounds.max_length or TEXT_LIMIT
    if len(text) > limit:
        raise BadRequest(f"{arg} is {len(text)} characters; at most {limit} may be approved.")
    return text


def apply(policy: ToolPolicy | None, args: Mapping[str, Any], edits: Mapping[str, Any]) -> dict[str, Any]:
    """`args` with the approver's `edits`; raises BadRequest (nothing changed) for an argument that is not
    editable or a value outside its bounds."""
    editable = policy.editable if policy else {}
    if not editable:
        raise BadRequest("This action cannot be changed; approve or reject it as proposed.")
    unknown = sorted(set(edits) - set(editable))
    if unknown:
        raise BadRequest(f"{', '.join(unknown)} cannot be changed; editable: {', '.join(editable)}.")
    edited = dict(args)
    for arg, raw in edits.items():
        edited[arg] = _value(arg, editable[arg], args.get(arg), raw)
    return edited


def changes(original: Mapping[str, Any], edited: Mapping[str, Any]) -> str:
    """ "amount 40 → 30, reason 'dup' → 'refund'": the arguments that differ, in the edited order."""
    parts = [
        f"{arg} {_show(original.get(arg))} → {_show(value)}"
        for arg, value in edited.items()
        if original.get(arg) != value
    ]
    return ", ".join(parts)


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else value_text(value)


def line(proposal: Proposal, *, shown: Callable[[str], str] = str) -> str | None:
    """The card's and verdict's line, e.g. "approved with changes: amount 40 → 30" (None: not edited).
    Under a quorum an edit waits for the approvals it reset, so the line says who changed what. `shown`
    makes the arguments' part readable safely (the card defangs it; the mention stays a mention)."""
    if proposal.original_args is None:
        return None
    what = shown(changes(proposal.original_args, proposal.args))
    if proposal.status == "pending":
        who = mention(proposal.edited_by or "")
        return f"changed by {who} before approval: {what} (approvals start again)"
    return f"approved with changes: {what}"


def idempotency_key(proposal: Proposal) -> str:
    """The proposal id, plus a digest of the arguments when an approver changed them: the key covers what
    runs, so a backend that saw the original arguments under the bare id cannot mistake the edited call
    for a replay."""
    if proposal.original_args is None:
        return proposal.id
    canonical = json.dumps(proposal.args, sort_keys=True, separators=(",", ":"), default=str)
    return f"{proposal.id}:{hashlib.sha256(canonical.encode()).hexdigest()[:16]}"
