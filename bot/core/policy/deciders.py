"""Who may decide: approvers and four-eyes on a proposal, the owner on the controls, who may read the digest
or ask for an undo. Like the gate, these rules read only the worker config and the people involved.

Every rule compares people, not accounts: the caller passes `accounts`, every account of the acting person
(`rt.people.accounts_of(actor)`, bot/core/people.py), so a linked Slack and Teams account are one person.
Each `authorize_*` raises NotAuthorized with the text the person sees; `decision_refusal` returns it.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.core.config.models import WorkerConfig
from bot.core.errors import NotAuthorized
from bot.core.models import Proposal

OWNER = 3  # the escalation step that hands a proposal nobody decided to the worker's owner


def _person(actor: str, accounts: Iterable[str]) -> set[str]:
    return {actor, *accounts}


def is_approver(worker: WorkerConfig, *, actor: str, accounts: Iterable[str] = ()) -> bool:
    """Any account of the person listed as an approver or a backup approver is enough."""
    listed = {*worker.escalation.approvers, *worker.escalation.backup}
    return bool(listed & _person(actor, accounts))


def decision_refusal(
    worker: WorkerConfig, proposal: Proposal, *, actor: str, accounts: Iterable[str]
) -> str | None:
    """Why `actor` may not decide on `proposal` (approvers, then four-eyes), or None when they may."""
    person = _person(actor, accounts)
    # `on_expiry: escalate_to_owner`: once the card reached the owner, the owner may decide it too.
    escalated = proposal.escalation_level >= OWNER and worker.escalation.on_expiry == "escalate_to_owner"
    if not is_approver(worker, actor=actor, accounts=person) and not (escalated and worker.owner in person):
        names = ", ".join(f"@{a}" for a in [*worker.escalation.approvers, *worker.escalation.backup])
        return f"Only {names} can decide on {worker.display_name}'s proposals."
    if proposal.requester in person and not worker.escalation.allow_self_approval:
        return "You asked for this mission, so another approver must decide (four-eyes rule)."
    return None


def authorize_decision(
    worker: WorkerConfig, proposal: Proposal, *, actor: str, accounts: Iterable[str]
) -> None:
    refused = decision_refusal(worker, proposal, actor=actor, accounts=accounts)
    if refused is not None:
        raise NotAuthorized(refused)


def authorize_controls(worker: WorkerConfig, *, actor: str, accounts: Iterable[str]) -> None:
    """Autonomy and the kill switch are the owner's alone."""
    if worker.owner not in _person(actor, accounts):
        raise NotAuthorized(f"Only {worker.display_name}'s owner @{worker.owner} can change its controls.")


def authorize_digest(worker: WorkerConfig, *, actor: str, accounts: Iterable[str]) -> None:
    """The digest names approvers and rates: for the owner and the approvers only."""
    person = _person(actor, accounts)
    if worker.owner not in person and not is_approver(worker, actor=actor, accounts=person):
        raise NotAuthorized(
            f"Only {worker.display_name}'s owner @{worker.owner} and its approvers can read its digest."
        )


def authorize_undo_request(
    worker: WorkerConfig, original: Proposal, *, actor: str, accounts: Iterable[str]
) -> None:
    """Asking for an undo is open to the requester, the approvers and the owner; an approver then decides."""
    person = _person(actor, accounts)
    if not person & {worker.owner, original.requester} and not is_approver(
        worker, actor=actor, accounts=person
    ):
        raise NotAuthorized(
            f"Only the requester, {worker.display_name}'s approvers or its owner can ask for an undo."
        )
