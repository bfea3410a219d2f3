"""A decision on a proposal, in one place: who may decide (the rule: bot/core/policy/deciders.py), whether
the proposal can still be decided, the atomic state change, its audit event and its follow-ups (card sync,
then the execution or the mission's next run).

The state change is the source of truth. A crash after it leaves the follow-ups undone; the recovery sweep
(bot/missions/recovery.py) redoes them with `record_decision` from here, and every follow-up is idempotent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.core import metrics, precedent
from bot.core.audit_config import version_of
from bot.core.card_edits import refuse_if_stale
from bot.core.errors import AlreadyDecided, BadRequest, NotFound
from bot.core.messages import SYSTEM
from bot.core.models import Proposal
from bot.core.policy import quorum
from bot.core.queueing import enqueue_card_sync, enqueue_execution, enqueue_mission
from bot.core.runtime import Runtime
from bot.missions import authority, closing, edited, kill_switch
from bot.missions.authority import Authority


def authorize(rt: Runtime, proposal: Proposal, *, actor: str) -> Authority:
    """Approvers and four-eyes compare people: a linked Slack and Teams account are one person. Group
    membership is read now, from the cache (bot/core/groups.py); a delegate decides with the delegator's
    authority (bot/missions/authority.py)."""
    return authority.authorize(rt, proposal, actor=actor)


pending_for = authority.pending_for


def refuse_unless_decidable(rt: Runtime, proposal: Proposal, *, now: datetime) -> None:
    """Raise MissionClosed, AlreadyDecided or Halted when `proposal` can no longer be decided. Inside
    `Store.mutate_proposal(..., worker=, mission=)` the reads are WATCHed, so the answer is atomic."""
    closed = closing.blocker(rt, proposal, now=now)  # a proposal belongs to its mission
    if closed is not None:
        raise closed
    if proposal.status != "pending":
        raise AlreadyDecided(
            status=proposal.status,
            by=proposal.decided_by or proposal.halted_by or SYSTEM,  # a halt: whoever pulled the switch
            at=(proposal.decided_at or now).strftime("%Y-%m-%d %H:%M UTC"),
        )
    kill_switch.refuse_if_halted(
        rt, proposal.worker, because="is halted; pending proposals cannot be approved"
    )


def check_decidable(rt: Runtime, proposal_id: str, *, actor: str) -> Proposal:
    """Raise what `decide` would raise for `actor` now (NotAuthorized, AlreadyDecided, Halted), changing
    nothing: a surface asks before opening a reject dialog. The reason code is checked by `decide`."""
    proposal = rt.store.proposal(proposal_id)
    authorize(rt, proposal, actor=actor)
    refuse_unless_decidable(rt, proposal, now=rt.clock())
    return proposal


def decide(
    rt: Runtime,
    proposal_id: str,
    *,
    actor: str,
    approve: bool,
    platform: str,
    reason_code: str | None = None,
    comment: str | None = None,
    edits: Mapping[str, Any] | None = None,
    seen_version: int | None = None,
) -> Proposal:
    """`edits` ({argument: value}, an approval only): approve with changes (bot/missions/edited.py).
    `seen_version`: the arguments' version on the card approved from; another one is refused
    (bot/core/card_edits.py), None when the surface does not know it (a card from before versions)."""
    proposal = rt.store.proposal(proposal_id)
    worker = rt.worker(proposal.worker)
    lent = authorize(rt, proposal, actor=actor)
    if edits and not approve:
        raise BadRequest("Changes go with an approval; a rejection takes a reason code.")
    if edits:
        refuse_unless_decidable(rt, proposal, now=rt.clock())  # a settled card says so, not its bounds
    changed = edited.prepare(rt, proposal, edits) if edits else None
    needs_quorum = approve and quorum.required(worker, proposal) > 1
    if not approve and reason_code not in worker.escalation.reason_codes:
        raise BadRequest(f"A rejection needs a reason code: {', '.join(worker.escalation.reason_codes)}")
    status = ("shadow_" if proposal.shadow else "") + ("approved" if approve else "rejected")
    now = rt.clock()

    def decided(p: Proposal) -> Proposal:
        refuse_unless_decidable(rt, p, now=now)
        if approve:  # WATCHed with the proposal: an edit committed meanwhile makes the card stale
            refuse_if_stale(p, seen_version)
        if changed is not None:
            p = edited.apply(p, seen=proposal.args, edited=changed, actor=actor)
        if needs_quorum:  # counted and, with the last approval, decided in this one transaction
            return quorum.count(
                worker,
                p,
                actor=lent.on_behalf_of or actor,
                delegate=actor if lent.on_behalf_of else None,
                person=lent.person,
                members=rt.groups.members,
                via=lent.via,
                platform=platform,
                now=now,
            )
        return p.model_copy(
            update={
                "status": status,
                "decided_by": actor,
                "decided_at": now,
                "decided_on": platform,
                "reason_code": None if approve else reason_code,
                "comment": comment,
                "decided_via": lent.via,
                "decided_for": lent.on_behalf_of,
            }
        )

    result = rt.store.mutate_proposal(proposal_id, decided, worker=worker.name, mission=proposal.mission_id)
    rt.replicas.confirm(rt.redis, prefix=rt.settings.key_prefix)  # on a replica too, before the answer
    if lent.on_behalf_of:
        rt.audit.record(
            "delegation.used",
            actor=actor,
            worker=worker.name,
            proposal=result.id,
            delegator=lent.on_behalf_of,
        )
    if result.status == "pending":  # one approval of a quorum: audited, and every copy shows the progress
        record_approval(rt, result)
        enqueue_card_sync(rt, result.id, reason=in_round(result, f"approval-{len(result.approvals)}"))
        return result
    follow_up(rt, result)
    return result


def follow_up(rt: Runtime, decided: Proposal) -> None:
    """Audit the decision, flip its cards, then execute it (approved) or run the mission on (otherwise).
    Each step is also redone by the recovery sweep if a crash stops us here."""
    record_decision(rt, decided)
    enqueue_card_sync(rt, decided.id, reason=in_round(decided, "decided"))
    if decided.status == "approved":
        enqueue_execution(rt, decided.id, asked=decided.asked)
    else:
        enqueue_mission(rt, decided.mission_id, reason=f"after-{decided.id}")


def decision_marker(proposal_id: str) -> str:
    return f"decision-{proposal_id}"


def in_round(proposal: Proposal, marker: str) -> str:
    """A once-marker or job reason of the proposal's current round: a proposal asked again after its
    preview changed (bot/missions/preview.py) is decided, audited and executed anew."""
    return f"{marker}-r{proposal.asked}" if proposal.asked else marker


def record_decision(rt: Runtime, proposal: Proposal) -> bool:
    """Append the human decision's audit event once; False when it was already there. The event and its
    marker are one script (`Audit.record_once`): a crash leaves both or neither."""
    if proposal.decided_by in {None, "auto"} or proposal.status == "pending":
        return False
    kind = (
        proposal.status
        if proposal.status in {"rejected", "shadow_approved", "shadow_rejected"}
        else "approved"
    )
    marker = in_round(proposal, decision_marker(proposal.id))
    if not proposal.shadow and not rt.store.done(proposal.mission_id, marker):
        _index(rt, proposal)  # before the event: a crash in between indexes it twice (read deduplicates)
    recorded = rt.audit.record_once(
        f"decision.{kind}",
        done=(rt.store.key("done", proposal.mission_id), marker),
        actor=proposal.decided_by,
        worker=proposal.worker,
        mission=proposal.mission_id,
        proposal=proposal.id,
        platform=proposal.decided_on,
        reason_code=proposal.reason_code,
        comment=proposal.comment,
        config_version=version_of(rt, proposal.worker),
        **_authority(proposal),
    )
    if recorded and proposal.decided_at is not None:  # once per decision, like its event
        waited = (proposal.decided_at - proposal.created_at).total_seconds()
        metrics.DECISION_SECONDS.labels(worker=proposal.worker).observe(max(waited, 0.0))
    return recorded


def _index(rt: Runtime, proposal: Proposal) -> None:
    """Index the decision for the precedent line of later similar cards (bot/core/precedent.py), with
    where its mission's thread is, so those cards link to it."""
    try:
        mission = rt.store.mission(proposal.mission_id)
        where = {"platform": mission.platform, "conversation": mission.conversation}
        where["thread"] = mission.thread_root
    except NotFound:  # the entry is still worth its line, without a link
        where = {}
    entry = precedent.Precedent(
        proposal=proposal.id,
        mission=proposal.mission_id,
        outcome="rejected" if proposal.status == "rejected" else "approved",
        reason_code=proposal.reason_code,
        at=proposal.decided_at or rt.clock(),
        **where,
    )
    precedent.record(
        rt.redis, rt.store.key, worker=proposal.worker, tool=proposal.tool, args=proposal.args, entry=entry
    )


def _authority(proposal: Proposal) -> dict[str, object]:
    """Only when set, so a plain decision's event is unchanged: the group that authorized the person, and
    for a quorum everyone who approved (with their group)."""
    extra: dict[str, object] = {}
    if proposal.decided_via:
        extra["via_group"] = proposal.decided_via
    if proposal.decided_for:
        extra["on_behalf_of"] = proposal.decided_for
    if proposal.original_args is not None:  # approved with changes: what was proposed, what runs
        extra |= {"original_args": proposal.original_args, "edited_args": proposal.args}
        extra["edited_by"] = proposal.edited_by
    if proposal.approvals:
        extra["approvals"] = [
            {"actor": a.actor, "via_group": a.via, "delegate": a.delegate} for a in proposal.approvals
        ]
    return extra


def record_approval(rt: Runtime, proposal: Proposal) -> bool:
    """Audit one approval counted toward a quorum (not a decision: the digest counts the decision once,
    at the last approval, with its time to full approval)."""
    approval = proposal.approvals[-1]
    return rt.audit.record_once(
        "quorum.approval",
        done=(
            rt.store.key("done", proposal.mission_id),
            in_round(proposal, f"approval-{proposal.id}-{len(proposal.approvals)}"),
        ),
        actor=approval.actor,
        worker=proposal.worker,
        mission=proposal.mission_id,
        proposal=proposal.id,
        platform=approval.platform,
        via_group=approval.via,
        slot=approval.slot,
        count=len(proposal.approvals),
    )
