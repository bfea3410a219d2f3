"""Closing, with the runtime: what blocks a decision, settling an orphan, and the once-only follow-ups.
The rule itself is tested in tests/bot/core/test_lifecycle.py."""

from __future__ import annotations

from bot.core.lifecycle import MissionClosed
from bot.core.models import Proposal
from bot.missions import closing
from tests.bot.missions.asks import parked


def close_behind_its_back(rt, mission_id: str, status: str = "failed") -> None:
    """A mission closed without settling its proposals (stored before the rule, or a crash in between)."""
    mission = rt.store.mission(mission_id)
    rt.redis.set(
        rt.store.key("mission", mission_id), mission.model_copy(update={"status": status}).model_dump_json()
    )


def test_an_open_missions_pending_proposal_is_not_blocked(rt, run_jobs):
    proposal = rt.store.proposal(parked(rt, run_jobs))
    assert closing.blocker(rt, proposal, now=rt.clock()) is None
    assert closing.settle_if_closed(rt, proposal) is None


def test_a_closed_mission_blocks_its_proposal_saying_why(rt, run_jobs):
    proposal = rt.store.proposal(parked(rt, run_jobs))
    close_behind_its_back(rt, proposal.mission_id, "cancelled")
    blocked = closing.blocker(rt, proposal, now=rt.clock())
    assert isinstance(blocked, MissionClosed) and "the mission was cancelled" in str(blocked)
    settled = closing.settle_if_closed(rt, proposal)
    assert (settled.status, settled.closed_because) == ("closed", "cancelled")


def test_a_settled_or_executing_proposal_is_judged_by_its_own_status(rt, run_jobs):
    proposal = rt.store.proposal(parked(rt, run_jobs))
    close_behind_its_back(rt, proposal.mission_id)
    executing: Proposal = proposal.model_copy(update={"status": "executing"})
    assert closing.blocker(rt, executing, now=rt.clock()) is None


def test_an_orphan_is_settled_announced_and_audited_once(rt, run_jobs):
    pid = parked(rt, run_jobs)
    mission_id = rt.store.proposal(pid).mission_id
    close_behind_its_back(rt, mission_id)
    assert closing.close_orphan(rt, pid, actor="system:test") is True
    assert closing.close_orphan(rt, pid, actor="system:test") is False
    assert rt.store.proposal(pid).status == "closed"
    assert closing.announce(rt, rt.store.mission(mission_id), actor="system:test") == []  # already announced
    closed = [e for e in rt.audit.events() if e["kind"] == "proposal.closed" and e["proposal"] == pid]
    assert len(closed) == 1 and closed[0]["data"]["because"] == "failed"
    assert len(rt.actions_queue) == 1  # one card sync for every copy of the card
