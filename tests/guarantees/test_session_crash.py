"""A mission retried after dying right after `create_proposal` still records, audits and posts the card."""

from __future__ import annotations

from bot.core.models import Proposal, Request
from bot.missions.runner import MissionRunner
from bot.missions.service import MissionService


def test_a_proposal_created_just_before_a_crash_is_completed_on_retry(rt):
    mission = (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042"))
        .mission
    )
    # The crash: the proposal record exists (as step 5 would create it), nothing after it happened.
    orphan = Proposal(
        id=f"{mission.id}-s5",
        mission_id=mission.id,
        worker="support-triage",
        tool="helpdesk.issue_credit",
        args={"account_id": "ACME-7", "amount": 40.0, "reason": "x"},
        tier="execute",
        rule="execute tier needs an approver",
        requester="U0AGENT",
        created_at=rt.clock(),
    )
    rt.store.create_proposal(orphan)
    assert MissionRunner(rt).run(mission.id) == "awaiting_approval"
    MissionRunner(rt).run(mission.id)  # and once more: nothing is repeated
    proposal = rt.store.proposal(orphan.id)
    assert len(proposal.cards) == 1 and proposal.cards[0].conversation == "C0APPROVALS"
    assert rt.store.mission(mission.id).proposals == [orphan.id]
    created = [e for e in rt.audit.events() if e["kind"] == "proposal.created"]
    assert [e["proposal"] for e in created] == [orphan.id]
