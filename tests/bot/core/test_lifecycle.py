"""A proposal belongs to its mission: once the mission is closed nothing of it is decided or executed."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from rq.job import Job

from bot.core.cards import card_for
from bot.core.errors import AlreadyDecided
from bot.core.lifecycle import MissionClosed
from bot.core.models import Mission, Proposal, Request
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.escalation import Escalator
from bot.missions.execution import Executor
from bot.missions.runner import MissionRunner
from bot.missions.service import MissionService
from bot.platforms.slack.blockkit import card_blocks
from bot.platforms.teams.adaptive import card_payload
from jobs.missions import on_mission_failure

WORKER = "support-triage"
CLOSED_FAILED = "Closed: the mission failed — nothing will run"


def parked(rt, run_jobs, ticket: str = "ESC-1042") -> Proposal:
    mission = (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=ticket))
        .mission
    )
    run_jobs()
    return rt.store.proposal(rt.store.mission(mission.id).proposals[0])


def fail_for_good(rt, mission_id: str) -> None:
    """RQ's failure callback after the mission's last retry, with a real job of the mission."""
    job = Job.create("jobs.missions.run_mission", args=[mission_id], connection=rt.redis)
    job.retries_left = 0
    on_mission_failure(job, rt.redis, RuntimeError, RuntimeError("boom"), None)


def credits(rt) -> list[dict]:
    return HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()


def events(rt, kind: str, proposal: str) -> list[dict]:
    return [e for e in rt.audit.events() if e["kind"] == kind and e.get("proposal") == proposal]


def test_a_decision_after_the_mission_failed_is_refused_and_nothing_executes(rt, run_jobs):
    proposal = parked(rt, run_jobs)
    fail_for_good(rt, proposal.mission_id)
    assert rt.store.mission(proposal.mission_id).status == "failed"
    closed = rt.store.proposal(proposal.id)
    assert (closed.status, closed.closed_because) == ("closed", "failed")
    assert proposal.id not in [p.id for p in rt.store.pending_proposals()]
    with pytest.raises(MissionClosed, match="the mission failed") as refused:
        MissionService(rt).decide(proposal.id, actor="U0OWNER1", approve=True, platform="console")
    assert isinstance(refused.value, AlreadyDecided)  # surfaces answer it like any settled card
    run_jobs()
    assert credits(rt) == [] and rt.store.proposal(proposal.id).status == "closed"
    assert events(rt, "decision.approved", proposal.id) == []
    assert len(events(rt, "proposal.closed", proposal.id)) == 1


def test_an_approval_whose_mission_closed_before_execution_started_does_not_execute(rt, run_jobs):
    proposal = parked(rt, run_jobs)
    MissionService(rt).decide(proposal.id, actor="U0OWNER1", approve=True, platform="console")
    fail_for_good(rt, proposal.mission_id)  # before the execution job ran
    run_jobs()
    assert credits(rt) == [] and rt.store.proposal(proposal.id).status == "closed"
    assert events(rt, "execution.started", proposal.id) == []


def test_the_executor_claim_refuses_a_closed_mission_even_if_the_proposal_was_not_settled(rt, run_jobs):
    """A record written before the rule (or by hand): the claim itself checks the mission."""
    proposal = parked(rt, run_jobs)
    rt.store.mutate_proposal(
        proposal.id, lambda p: p.model_copy(update={"status": "approved", "decided_by": "U0OWNER1"})
    )
    mission = rt.store.mission(proposal.mission_id)
    rt.redis.set(
        rt.store.key("mission", mission.id), mission.model_copy(update={"status": "failed"}).model_dump_json()
    )
    assert Executor(rt).execute(proposal.id).status == "closed"
    assert credits(rt) == []


def test_an_orphan_pending_proposal_of_a_closed_mission_is_refused_and_settled_by_the_sweep(rt, run_jobs):
    proposal = parked(rt, run_jobs)
    mission = rt.store.mission(proposal.mission_id)
    rt.redis.set(
        rt.store.key("mission", mission.id), mission.model_copy(update={"status": "failed"}).model_dump_json()
    )
    with pytest.raises(MissionClosed):  # the decision reads the mission, not only the proposal
        MissionService(rt).decide(proposal.id, actor="U0OWNER1", approve=True, platform="console")
    taken = Escalator(rt).sweep()
    assert [(s.proposal, s.step) for s in taken] == [(proposal.id, "closed")]
    assert rt.store.proposal(proposal.id).status == "closed"
    assert Escalator(rt).sweep() == []  # never reminded, re-routed or expired afterwards


def test_the_card_of_a_closed_missions_proposal_says_why(rt, run_jobs):
    proposal = parked(rt, run_jobs)
    fail_for_good(rt, proposal.mission_id)
    run_jobs()  # the card-sync job flips every copy
    closed = rt.store.proposal(proposal.id)
    card = card_for(closed, rt.worker(WORKER))
    assert card.status_line == CLOSED_FAILED and not card.open
    assert CLOSED_FAILED in str(card_blocks(card)) and CLOSED_FAILED in str(card_payload(card))
    updates = [m for _, m in rt.messengers.get("console").read() if m["op"] == "update" and m.get("card")]
    assert updates and updates[-1]["card"]["status_line"] == CLOSED_FAILED


@pytest.mark.parametrize(
    ("status", "why"), [("cancelled", "was cancelled"), ("halted", "was halted"), ("expired", "expired")]
)
def test_every_way_of_closing_settles_the_pending_proposals(rt, run_jobs, status, why):
    proposal = parked(rt, run_jobs)
    MissionRunner(rt).close(rt.store.mission(proposal.mission_id), status=status, text=f"closed: {status}")
    closed = rt.store.proposal(proposal.id)
    assert closed.status == "closed" and card_for(closed, rt.worker(WORKER)).status_line == (
        f"Closed: the mission {why} — nothing will run"
    )


def test_an_undo_stays_decidable_after_the_mission_closed_within_its_window(rt, run_jobs):
    svc = MissionService(rt)
    proposal = parked(rt, run_jobs)
    svc.decide(proposal.id, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()  # executes, then the mission resumes and closes
    assert rt.store.mission(proposal.mission_id).status == "done"
    undo = svc.request_undo(proposal.id, actor="U0AGENT")
    MissionRunner(rt).close(rt.store.mission(proposal.mission_id), status="done", text="again")  # no-op
    assert rt.store.proposal(undo.id).status == "pending"
    svc.decide(undo.id, actor="U0OWNER2", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(undo.id).status == "executed"
    assert [c["amount"] for c in credits(rt)] == [40.0, -40.0]


def test_an_undo_of_a_closed_mission_is_refused_after_its_window(rt, run_jobs):
    svc = MissionService(rt)
    proposal = parked(rt, run_jobs)
    svc.decide(proposal.id, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    undo = svc.request_undo(proposal.id, actor="U0AGENT")
    later = rt.clock() + timedelta(days=1, minutes=1)  # support-triage's undo window is a day
    rt.clock = lambda: later
    with pytest.raises(MissionClosed, match="undo window"):
        svc.decide(undo.id, actor="U0OWNER2", approve=True, platform="console")
    assert rt.store.proposal(undo.id).status == "pending"


def _twin(rt, template: Proposal, n: int) -> str:
    """A fresh parked mission with a copy of `template`'s proposal (cheap: no mission run per iteration)."""
    mission = rt.store.mission(template.mission_id)
    mid, pid = f"{mission.id}-R{n}", f"{template.id}-R{n}"
    rt.store.create_mission(
        Mission(
            **{
                **mission.model_dump(),
                "id": mid,
                "status": "awaiting_approval",
                "thread": mid,
                "proposals": [pid],
                "verdict": None,
                "status_ref": None,
            }
        )
    )
    rt.store.create_proposal(template.model_copy(update={"id": pid, "mission_id": mid, "cards": []}))
    return pid


def _race(rt, pid: str, *, delay: float) -> str:
    """One approver (decide, then the execution job at once) against one close; what the approver saw
    ("late" when the close had returned before the approver clicked). `delay` > 0 holds the close back,
    < 0 the approver until the close is through."""
    start, seen, closed = threading.Barrier(2), [], threading.Event()

    def approve_and_execute() -> None:
        start.wait()
        if delay < 0:  # the approver clicks once the close is through: it must be refused
            closed.wait(timeout=5)
        late = closed.is_set()
        try:
            MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
            seen.append("late-approved" if late else "approved")
            Executor(rt).execute(pid)
        except AlreadyDecided:
            seen.append("late-refused" if late else "refused")

    def close() -> None:
        start.wait()
        time.sleep(max(delay, 0))  # spreads the interleavings over the iterations
        MissionRunner(rt).close(
            rt.store.mission(rt.store.proposal(pid).mission_id), status="failed", text="failed"
        )
        closed.set()

    threads = [threading.Thread(target=approve_and_execute), threading.Thread(target=close)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return seen[0]


def test_a_racing_approval_and_close_never_leave_an_approved_or_executed_proposal_on_a_closed_mission(
    rt, run_jobs
):
    template = parked(rt, run_jobs)
    outcomes: dict[str, int] = {}
    for n in range(40):
        pid = _twin(rt, template, n)
        decided = _race(rt, pid, delay=(n % 6 - 1) * 0.004)
        final = rt.store.proposal(pid)
        assert rt.store.mission(final.mission_id).status == "failed"
        # Exactly one wins: the execution claim (started while the mission was open) or the close.
        assert final.status in {"executed", "closed"}, final.status
        started, closed = events(rt, "execution.started", pid), events(rt, "proposal.closed", pid)
        assert (len(started), len(closed)) == ((1, 0) if final.status == "executed" else (0, 1))
        assert decided != "late-approved", "approved after the mission had closed"
        if decided.endswith("refused"):
            assert final.status == "closed" and events(rt, "decision.approved", pid) == []
        outcomes[f"{decided}->{final.status}"] = outcomes.get(f"{decided}->{final.status}", 0) + 1
    run_jobs()
    assert len(credits(rt)) == outcomes.get("approved->executed", 0)
    assert all(rt.store.proposal(f"{template.id}-R{n}").status in {"executed", "closed"} for n in range(40))
