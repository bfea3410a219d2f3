"""Who may decide: approvers and four-eyes on a proposal, the owner on the controls, who may read the digest
or ask for an undo. Like the gate, these rules read only the worker config and the people involved.

Every rule compares people, not accounts: the caller passes `accounts`, every account of the acting person
(`rt.people.accounts_of(actor)`, bot/core/people.py), so a linked Slack and Teams account are one person.
Each `authorize_*` raises NotAuthorized with the text the person sees; `decision_refusal` returns it.
An approver entry may be a group (bot/core/groups.py): `members` gives the accounts an entry covers at the
moment of the decision (`rt.groups.members`); without it every entry is one account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.core.config.models import WorkerConfig
from bot.core.errors import NotAuthorized
from bot.core.models import Proposal

Members = Callable[[str], frozenset[str]]  # approver entry -> the accounts it covers now


def one_account(entry: str) -> frozenset[str]:
    return frozenset({entry})


OWNER = 3  # the escalation step that hands a proposal nobody decided to the worker's owner


def _person(actor: str, accounts: Iterable[str]) -> set[str]:
    return {actor, *accounts}


def mention(entry: str) -> str:
    return entry if entry.startswith("@") else f"@{entry}"


def approver_entry(
    worker: WorkerConfig, *, actor: str, accounts: Iterable[str] = (), members: Members = one_account
) -> str | None:
    """The first approver or backup entry (an account or a group) that covers the person, else None."""
    person = _person(actor, accounts)
    for entry in [*worker.escalation.approvers, *worker.escalation.backup]:
        if members(entry) & person:
            return entry
    return None


def is_approver(
    worker: WorkerConfig, *, actor: str, accounts: Iterable[str] = (), members: Members = one_account
) -> bool:
    """Any account of the person listed (or in a listed group) as an approver or a backup is enough."""
    return approver_entry(worker, actor=actor, accounts=accounts, members=members) is not None


def decision_refusal(
    worker: WorkerConfig,
    proposal: Proposal,
    *,
    actor: str,
    accounts: Iterable[str],
    members: Members = one_account,
) -> str | None:
    """Why `actor` may not decide on `proposal` (approvers, then four-eyes), or None when they may."""
    person = _person(actor, accounts)
    # `on_expiry: escalate_to_owner`: once the card reached the owner, the owner may decide it too.
    escalated = proposal.escalation_level >= OWNER and worker.escalation.on_expiry == "escalate_to_owner"
    if not is_approver(worker, actor=actor, accounts=person, members=members) and not (
        escalated and worker.owner in person
    ):
        names = ", ".join(mention(a) for a in [*worker.escalation.approvers, *worker.escalation.backup])
        return f"Only {names} can decide on {worker.display_name}'s proposals."
    policy = worker.policy(proposal.tool)
    quorum = policy is not None and policy.approvals_required > 1
    if proposal.requester in person and (quorum or not worker.escalation.allow_self_approval):
        return "You asked for this mission, so another approver must decide (four-eyes rule)."
    return None


def who_can_decide(worker: WorkerConfig, *, requester_accounts: Iterable[str]) -> list[str]:
    """The approvers who can decide on a request by this person: not the requester under four-eyes."""
    if worker.escalation.allow_self_approval:
        return list(worker.escalation.approvers)
    requester = set(requester_accounts)
    return [a for a in worker.escalation.approvers if a not in requester]


def authorize_decision(
    worker: WorkerConfig,
    proposal: Proposal,
    *,
    actor: str,
    accounts: Iterable[str],
    members: Members = one_account,
) -> str:
    """The approver entry that authorizes the person (a group's name when through a group)."""
    refused = decision_refusal(worker, proposal, actor=actor, accounts=accounts, members=members)
    if refused is not None:
        raise NotAuthorized(refused)
    entry = approver_entry(worker, actor=actor, accounts=accounts, members=members)
    # Not an approver yet allowed: the owner, once `on_expiry: escalate_to_owner` handed them the card.
    return entry if entry is not None else worker.owner


def authorize_controls(worker: WorkerConfig, *, actor: str, accounts: Iterable[str]) -> None:
    """Autonomy and the kill switch are the owner's alone."""
    if worker.owner not in _person(actor, accounts):
        raise NotAuthorized(f"Only {worker.display_name}'s owner @{worker.owner} can change its controls.")


def authorize_digest(
    worker: WorkerConfig, *, actor: str, accounts: Iterable[str], members: Members = one_account
) -> None:
    """The digest names approvers and rates: for the owner and the approvers only."""
    person = _person(actor, accounts)
    if worker.owner not in person and not is_approver(worker, actor=actor, accounts=person, members=members):
        raise NotAuthorized(
            f"Only {worker.display_name}'s owner @{worker.owner} and its approvers can read its digest."
        )


def authorize_undo_request(
    worker: WorkerConfig,
    original: Proposal,
    *,
    actor: str,
    accounts: Iterable[str],
    members: Members = one_account,
) -> None:
    """Asking for an undo is open to the requester, the approvers and the owner; an approver then decides."""
    person = _person(actor, accounts)
    if not person & {worker.owner, original.requester} and not is_approver(
        worker, actor=actor, accounts=person, members=members
    ):
        raise NotAuthorized(
            f"Only the requester, {worker.display_name}'s approvers or its owner can ask for an undo."
        )
