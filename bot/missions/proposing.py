"""A proposal's life inside a session: made once per content, then listed, audited, auto-executed or
carded. Each part is done once and checked on every call, so a mission retried after a crash finishes it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.core.audit_config import config_version
from bot.core.defang import product
from bot.core.models import Mission, Proposal
from bot.core.readable import describe_args
from bot.missions.card_reads import CardReads, Read
from bot.missions.execution import Executor
from bot.missions.more_info import attempt

if TYPE_CHECKING:
    from bot.missions.session import Session


def propose(session: Session, key: str, proposal: Proposal) -> Proposal:
    """Create `proposal` with the claim on its content (`_content`): an identical earlier one comes back
    instead, as it is; a new one is followed up."""
    # Its card's reads go with its creation (one round trip), for a new proposal waiting for a decision.
    reads = CardReads(session.rt, proposal, session.worker) if proposal.status == "pending" else None
    made, created = session.rt.store.create_proposal(
        proposal, content=_content(session, proposal.tool, proposal.args), reads=reads
    )
    if made.id != proposal.id:
        return made
    return follow_up(session, key, made, card=reads.taken if reads and created else None)


def follow_up(session: Session, key: str, proposal: Proposal, *, card: Read | None = None) -> Proposal:
    """What must follow a new proposal. Each part is done once and checked on every call, so a mission
    retried after a crash right after `create_proposal` still records, audits and posts its card.
    `card`: its card's reads, made with its creation (else read before it is posted)."""
    store, worker = session.rt.store, session.worker.name
    created = {
        "actor": f"worker:{worker}",
        "worker": worker,
        "mission": session.mission.id,
        "proposal": proposal.id,
        "tool": proposal.tool,
        "args": proposal.args,
        "tier": proposal.tier,
        "rule": proposal.rule,
        "shadow": proposal.shadow,
        "rationale": proposal.rationale,
        **({"preview": proposal.preview} if proposal.preview else {}),
    }
    done = (store.key("done", session.mission.id), f"audit-{proposal.id}")
    # shown redacted, as labelled facts; the proposal keeps the real ones
    args = describe_args(
        session.rt.redactor.value(proposal.args),
        tool=proposal.tool,
        worker=session.worker,
        formats=session.formats,
    )
    if proposal.decided_by != "auto":
        return _proposed(session, key, proposal, created, args=args, done=done[1], card=card)
    # The proposal listed (a no-op write when a retry finds it listed already), then its events.
    session.mission = store.mutate_mission(session.mission.id, _listing(proposal))
    if not store.done(*done):
        session.rt.audit.record("proposal.created", **created)
        session.rt.audit.record(
            "decision.auto_approved",
            actor="auto",
            worker=worker,
            mission=session.mission.id,
            proposal=proposal.id,
            rule=proposal.rule,
            config_version=config_version(session.worker),
        )
        store.mark_done(session.mission.id, f"audit-{proposal.id}")  # after: a crash repeats, never loses
    session.observe(
        key,
        product(
            "🤖 Auto-approved {tool} ({args}) under rule {rule}",
            tool=proposal.tool,
            args=args,
            rule=proposal.rule,
        ),
    )
    if proposal.status in {"approved", "executing"}:
        proposal = Executor(session.rt).execute(proposal.id)
    if owes_undo_card(session, proposal):  # what the worker did alone, shown with its Undo button
        proposal = session.notify.post_card(proposal, session.mission)
    return proposal


def _listing(proposal: Proposal) -> Callable[[Mission], Mission]:
    return lambda m: (
        m if proposal.id in m.proposals else m.model_copy(update={"proposals": [*m.proposals, proposal.id]})
    )


def _proposed(
    session: Session,
    key: str,
    proposal: Proposal,
    created: dict[str, Any],
    *,
    args: str,
    done: str,
    card: Read | None,
) -> Proposal:
    """A proposal for the approvers: listed on its mission, its `proposal.created` event (once per done
    marker) and the step's observation, in one script (bot/core/atomic.py), then its card."""
    verb = "Asked the approvers what they would decide on" if proposal.shadow else "Proposed"
    text = product(
        f"📝 {verb} {{tool}} ({{args}})" + (": {why}" if proposal.rationale.strip() else ""),
        tool=proposal.tool,
        args=args,
        why=proposal.rationale.strip(),
    )
    session.flush()
    sealed = session.rt.audit.seal("proposal.created", **created)
    changed = session.notify.observe(
        session.mission, key, text, change=_listing(proposal), first=sealed, first_done=done
    )
    # Not applied with it (a step recorded by an earlier try, or a mission closed meanwhile): on its own.
    session.mission = changed or session.rt.store.mutate_mission(session.mission.id, _listing(proposal))
    if proposal.status == "pending" and not proposal.cards:  # its last card's write tells its state
        return session.notify.post_card(proposal, session.mission, reads=card)
    return session.rt.store.proposal(proposal.id)


def _content(session: Session, tool: str, args: dict[str, Any]) -> tuple[str, str]:
    """Where an identical proposal (same tool, same normalized arguments) made earlier in this attempt of
    the mission is found: ten identical calls make one card and at most one execution. The first proposal
    claims its content atomically, with its creation; a later attempt (after more information) proposes
    anew."""
    content = json.dumps([attempt(session.mission), tool, args], sort_keys=True, default=str)
    digest = hashlib.sha256(content.encode()).hexdigest()[:32]
    return session.rt.store.key("proposal-content", session.mission.id), digest


def owes_undo_card(session: Session, proposal: Proposal) -> bool:
    """An auto-approved action that executed and can be undone gets an executed card (with the Undo
    button, bot/core/cards.py) once; a retry after a crash before it was posted posts it."""
    policy = session.worker.policy(proposal.tool)
    auto_executed = proposal.decided_by == "auto" and proposal.status == "executed"
    return auto_executed and not proposal.cards and policy is not None and bool(policy.undo)
