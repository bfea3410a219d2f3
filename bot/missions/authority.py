"""On whose authority a person decides: their own (as an approver, or through a group, read now), or a
delegator's (bot/missions/delegation.py). The rules themselves are bot/core/policy/ (deciders, quorum).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import NotAuthorized
from bot.core.groups import is_group
from bot.core.models import Proposal
from bot.core.policy import authorize_decision, quorum
from bot.core.runtime import Runtime
from bot.missions import delegation


@dataclass(frozen=True, kw_only=True)
class Authority:
    via: str | None = None  # the approver group that authorized the person (None: listed by name)
    on_behalf_of: str | None = None  # the delegator whose authority the person uses
    person: frozenset[str] = frozenset()  # every account that counts as the deciding person (quorum)


def _own(rt: Runtime, proposal: Proposal, actor: str) -> Authority:
    entry = authorize_decision(
        rt.worker(proposal.worker),
        proposal,
        actor=actor,
        accounts=rt.people.accounts_of(actor),
        members=rt.groups.members,
    )
    return Authority(via=entry if is_group(entry) else None, person=rt.people.accounts_of(actor) | {actor})


def authorize(rt: Runtime, proposal: Proposal, *, actor: str) -> Authority:
    """Raise NotAuthorized (the person's own refusal) unless they, or a delegator of theirs, may decide.
    A delegate never decides on a mission they asked for; a delegation lends only the delegator's own
    authority (no chain)."""
    try:
        return _own(rt, proposal, actor)
    except NotAuthorized as refused:
        lent_to_me = delegation.delegators_of(rt, actor)
        if lent_to_me and rt.people.same(actor, proposal.requester):
            raise NotAuthorized(
                "You asked for this mission, so you cannot decide it on anyone's behalf (four-eyes rule)."
            ) from None
        for lent in lent_to_me:
            try:
                theirs = _own(rt, proposal, lent.delegator)
            except NotAuthorized:
                continue
            person = theirs.person | rt.people.accounts_of(actor) | {actor}
            return Authority(via=theirs.via, on_behalf_of=lent.delegator, person=person)
        raise refused from None


def may_decide(rt: Runtime, proposal: Proposal, *, actor: str) -> bool:
    try:
        authority = authorize(rt, proposal, actor=actor)
    except NotAuthorized:
        return False
    worker = rt.worker(proposal.worker)
    return quorum.refusal(worker, proposal, person=authority.person, members=rt.groups.members) is None


def pending_for(rt: Runtime, user: str) -> list[Proposal]:
    """Oldest first, only what `user` (as a person: every linked account, and as a delegate) may decide."""
    return [p for p in rt.store.pending_proposals() if may_decide(rt, p, actor=user)]
