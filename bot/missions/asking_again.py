"""An approved action whose preview changed before it ran goes back to its approvers (missions/preview.py).

Nothing runs: the proposal returns from `executing` to `pending` with its decision cleared (a quorum's
approvals too), the new preview, a line saying what changed, and its round (`Proposal.asked`) counted up, so
the next decision is audited, synced and executed under markers and job ids of its own.
"""

from __future__ import annotations

from bot.core.defang import product
from bot.core.models import Proposal
from bot.core.queueing import enqueue_card_sync
from bot.core.runtime import Runtime
from bot.missions.notify import Notifier
from bot.missions.preview import Preview

_CLEARED = {
    "decided_by": None,
    "decided_at": None,
    "decided_on": None,
    "decided_via": None,
    "decided_for": None,
    "reason_code": None,
    "comment": None,
    "approvals": [],
}


def ask_again(rt: Runtime, proposal: Proposal, *, fresh: Preview, changed: str) -> Proposal:
    """Back to pending, once per round: a retried execution job finds it pending (or decided) and stops."""
    round_ = proposal.asked

    def back(p: Proposal) -> Proposal:
        if p.status != "executing" or p.asked != round_:
            return p
        return p.model_copy(
            update={
                **_CLEARED,
                "status": "pending",
                "preview": fresh.text,
                "preview_guard": fresh.guard,
                "preview_changed": changed,
                "asked": round_ + 1,
            }
        )

    again = rt.store.mutate_proposal(proposal.id, back, worker=proposal.worker, mission=proposal.mission_id)
    if again.asked <= round_:
        return again
    ids = {"worker": proposal.worker, "mission": proposal.mission_id, "proposal": proposal.id}
    what = {
        "tool": proposal.tool,
        "changed": changed,
        "preview": fresh.text,
        "approved_by": proposal.decided_by,
    }
    done = (rt.store.key("done", proposal.mission_id), f"asked-{proposal.id}-{again.asked}")
    rt.audit.record_once("proposal.asked_again", done=done, actor=f"worker:{proposal.worker}", **ids, **what)
    enqueue_card_sync(rt, proposal.id, reason=f"asked-{again.asked}")
    Notifier(rt).observe(
        rt.store.mission(proposal.mission_id),
        f"asked-{proposal.id}-{again.asked}",
        product(
            "🔄 {tool} did not run: {changed} since it was approved. The approvers are asked again.",
            tool=proposal.tool,
            changed=changed,
        ),
    )
    return again
