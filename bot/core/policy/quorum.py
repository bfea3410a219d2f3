"""Quorum: a tool with `approvals_required: N` (and optionally `from_groups`, one approval from each) runs
only after N distinct people approved it.

Pure rules over the config and the proposal, next to who may decide; the card reads `progress`.
`count` is called inside the decision's WATCH transaction (`Store.mutate_proposal`, bot/missions/
decisions.py): it records the approval and, with the last one, decides, in the same atomic write. Two final
approvals racing: one transaction wins and approves, the other retries on the new state and finds the
proposal decided (AlreadyDecided), so the proposal executes once. The requester never counts (four-eyes,
bot/core/policy/deciders.py); a person counts once, whichever account or group they approve through; one
rejection decides at once (the ordinary rejection path).
"""

from __future__ import annotations

from datetime import datetime

from bot.core.config.models import WorkerConfig
from bot.core.errors import NotAuthorized
from bot.core.models import Approval, Proposal
from bot.core.policy.deciders import Members, mention


def required(worker: WorkerConfig, proposal: Proposal) -> int:
    """How many approvals `proposal` needs (a shadow proposal is one person's opinion: 1)."""
    policy = worker.policy(proposal.tool)
    return 1 if policy is None or proposal.shadow else policy.approvals_required


def _slot_name(group: str) -> str:
    return group if group.startswith("@") or group[:1] == "S" else f"@{group}"


def open_slots(worker: WorkerConfig, proposal: Proposal) -> list[str]:
    """The `from_groups` groups (as `@name`) still waiting for their approval."""
    policy = worker.policy(proposal.tool)
    filled = {a.slot for a in proposal.approvals}
    return [_slot_name(g) for g in (policy.from_groups if policy else []) if _slot_name(g) not in filled]


def refusal(
    worker: WorkerConfig, proposal: Proposal, *, person: frozenset[str], members: Members
) -> str | None:
    """Why this person's approval cannot count now (already counted, in none of the open groups)."""
    if any(a.actor in person for a in proposal.approvals):
        return "You already approved this; another approver must add theirs."
    policy = worker.policy(proposal.tool)
    slots = open_slots(worker, proposal)
    if policy is not None and policy.from_groups and not any(members(s) & person for s in slots):
        waiting = ", ".join(slots) or "none"
        return f"This needs one approval from each of its groups; still waiting for: {waiting}."
    return None


def count(
    worker: WorkerConfig,
    proposal: Proposal,
    *,
    actor: str,
    person: frozenset[str],
    members: Members,
    via: str | None,
    delegate: str | None = None,
    platform: str,
    now: datetime,
) -> Proposal:
    """`proposal` with this approval added; approved (decided by `actor`) when it completes the quorum.
    Raises NotAuthorized when the approval cannot count."""
    refused = refusal(worker, proposal, person=person, members=members)
    if refused is not None:
        raise NotAuthorized(refused)
    slot = next((s for s in open_slots(worker, proposal) if members(s) & person), None)
    approvals = [
        *proposal.approvals,
        Approval(actor=actor, at=now, platform=platform, via=via, slot=slot, delegate=delegate),
    ]
    update: dict[str, object] = {"approvals": approvals}
    if len(approvals) >= required(worker, proposal):
        update |= {"status": "approved", "decided_by": actor, "decided_at": now, "decided_on": platform}
        update |= {"decided_via": via, "decided_for": actor if delegate else None}
        update["decided_by"] = delegate or actor
    return proposal.model_copy(update=update)


def progress(worker: WorkerConfig, proposal: Proposal) -> str | None:
    """The card's line: "1 of 2 approvals: @alice" (None for a single-approval tool)."""
    needed = required(worker, proposal)
    if needed <= 1:
        return None
    names = ", ".join(mention(a.actor) for a in proposal.approvals) or "none yet"
    line = f"{len(proposal.approvals)} of {needed} approvals: {names}"
    slots = open_slots(worker, proposal)
    if proposal.status == "pending" and slots:
        line += f" (still needed from {', '.join(slots)})"
    return line
