"""Undo: an executed action whose tool declares `undo:` can be reversed, through a proposal like any other.

The undo proposal is never auto-approved (an approver decides, four-eyes applies to whoever asked),
its arguments come from the executed action's result and arguments, and an executed undo spends the
worker's error budget (see bot/missions/trust.py).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from bot.core.defang import product
from bot.core.errors import BadRequest
from bot.core.models import Proposal
from bot.core.policy import authorize_undo_request, gate
from bot.core.queueing import enqueue_card_sync
from bot.core.runtime import Runtime
from bot.missions.notify import Notifier
from bot.tools.base import normalize_args

UNDO_SUFFIX = "-undo"


_UNDO_ID = re.compile(rf"{UNDO_SUFFIX}(-\d+)?$")
ASK_AGAIN = {"rejected", "expired", "closed"}  # an undo that ended so may be asked for again


def undo_id(proposal_id: str, attempt: int = 1) -> str:
    """`P-undo`, then `P-undo-2`, … when an earlier request was rejected."""
    return f"{proposal_id}{UNDO_SUFFIX}" + (f"-{attempt}" if attempt > 1 else "")


def is_undo(proposal_id: str | None) -> bool:
    return bool(proposal_id) and _UNDO_ID.search(proposal_id or "") is not None


def _next_undo_id(rt: Runtime, proposal_id: str) -> str:
    """The id of a new undo request: refused while an earlier one is pending or executed."""
    attempt = 1
    while rt.redis.exists(rt.store.key("proposal", undo_id(proposal_id, attempt))):
        existing = rt.store.proposal(undo_id(proposal_id, attempt))
        if existing.status not in ASK_AGAIN:
            raise BadRequest(
                f"An undo of this action was already requested by @{existing.requester} ({existing.status})."
            )
        attempt += 1
    return undo_id(proposal_id, attempt)


def undo_deadline(rt: Runtime, undo: Proposal) -> datetime | None:
    """Until when `undo` may be decided once its mission has closed: the undo window of the action it
    reverses (bot/core/lifecycle.py). None when that cannot be known (no policy now): no extra limit."""
    original = rt.store.proposal(undo.undo_of) if undo.undo_of else None
    policy = rt.worker(undo.worker).policy(original.tool) if original else None
    if original is None or original.decided_at is None or policy is None:
        return None
    return original.decided_at + timedelta(minutes=policy.undo_window_minutes)


def request_undo(rt: Runtime, proposal_id: str, *, actor: str) -> Proposal:
    original = rt.store.proposal(proposal_id)
    worker = rt.worker(original.worker)
    policy = worker.policy(original.tool)
    if policy is None or not policy.undo:
        raise BadRequest(f"{original.tool} declares no undo.")
    if original.status != "executed" or original.decided_at is None:
        raise BadRequest(f"Only an executed action can be undone; this one is {original.status}.")
    # A person, whichever platform they ask from (bot/core/policy/deciders.py).
    authorize_undo_request(
        worker, original, actor=actor, accounts=rt.people.accounts_of(actor), members=rt.groups.members
    )
    if rt.clock() > original.decided_at + timedelta(minutes=policy.undo_window_minutes):
        raise BadRequest(
            f"The undo window ({policy.undo_window_minutes} min) for {original.tool} has passed."
        )
    new_id = _next_undo_id(rt, proposal_id)
    tool = rt.toolbox.tools_for(worker).get(policy.undo)
    if tool is None:
        raise BadRequest(f"The undo tool {policy.undo} is not available to {worker.display_name}.")
    # The result names what was created (e.g. credit_id); the original arguments fill the rest.
    fields = tool.spec.args_model.model_fields
    source = {**original.args, **(original.result or {})}
    args = normalize_args(tool.spec, {k: source[k] for k in fields if k in source})
    decision = gate(worker, rt.control(worker.name), policy.undo, args)
    if decision.verdict == "refuse":
        raise BadRequest(f"The undo {policy.undo} is refused: {decision.rule}")
    undo = Proposal(
        id=new_id,
        mission_id=original.mission_id,
        worker=worker.name,
        tool=policy.undo,
        args=args,
        tier=decision.tier,
        rule=f"undo of {original.tool}: needs an approver",
        requester=actor,
        rationale=f"Undo {original.tool} ({proposal_id}), asked by @{actor}.",
        created_at=rt.clock(),
        undo_of=proposal_id,
    )
    undo, created = rt.store.create_proposal(undo)
    if not created:
        raise BadRequest("An undo of this action was already requested.")
    rt.store.mutate_mission(
        original.mission_id, lambda m: m.model_copy(update={"proposals": [*m.proposals, undo.id]})
    )
    rt.redis.sadd(rt.store.key("undos", worker.name), undo.id)
    rt.audit.record(
        "undo.requested",
        actor=actor,
        worker=worker.name,
        mission=original.mission_id,
        proposal=proposal_id,
        undo=undo.id,
        tool=policy.undo,
    )
    rt.audit.record(
        "proposal.created",
        actor=actor,
        worker=worker.name,
        mission=original.mission_id,
        proposal=undo.id,
        tool=undo.tool,
        args=args,
        tier=undo.tier,
        rule=undo.rule,
        shadow=False,
        rationale=undo.rationale,
    )
    Notifier(rt).post_card(undo, rt.store.mission(original.mission_id))
    return undo


def mark_reversed(rt: Runtime, undo: Proposal) -> None:
    """After `undo` executed: the action it reversed says so on its cards, and so does the mission's verdict
    (a line added once to a closed mission's verdict and thread; an open one lists it when it closes).
    Safe to repeat: the execution job's follow-up runs it on every run."""
    if undo.undo_of is None or undo.status != "executed":
        return
    original = rt.store.mutate_proposal(
        undo.undo_of, lambda p: p if p.reversed_by else p.model_copy(update={"reversed_by": undo.id})
    )
    enqueue_card_sync(rt, original.id, reason="reversed")
    mission = rt.store.mission(original.mission_id)
    if mission.is_open:
        return
    line = str(
        product(
            f"↩️ {{tool}} ({{id}}) was reversed by {{undo}}, approved by @{undo.decided_by}",
            tool=original.tool,
            id=original.id,
            undo=undo.tool,
        )
    )
    mission = rt.store.mutate_mission(
        mission.id,
        lambda m: (
            m if line in (m.verdict or "") else m.model_copy(update={"verdict": f"{m.verdict}\n{line}"})
        ),
    )
    Notifier(rt).observe(mission, f"reversed-{original.id}", line)
