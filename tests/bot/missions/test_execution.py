"""The executor: only an approved proposal runs, once, with its id as idempotency key; every outcome is
audited, said in the thread and shown on the card. Races are in tests/guarantees/test_exactly_once.py."""

from __future__ import annotations

import pytest

from bot.missions.execution import Executor
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger
from tests.bot.missions.asks import approved, credits, parked


def events(rt, proposal_id: str) -> list[str]:
    return [e["kind"] for e in rt.audit.events() if e["proposal"] == proposal_id]


def test_a_pending_proposal_is_not_run(rt, run_jobs):
    pid = parked(rt, run_jobs)
    assert Executor(rt).execute(pid).status == "pending"
    assert credits(rt) == [] and "execution.started" not in events(rt, pid)


def test_an_approved_proposal_runs_once_and_says_so_everywhere(rt, run_jobs):
    pid = parked(rt, run_jobs)
    approved(rt, pid)
    done = Executor(rt).execute(pid)
    assert done.status == "executed" and done.result["credit_id"] == "CR-1"
    assert [c["amount"] for c in credits(rt)] == [40.0]
    assert events(rt, pid)[-2:] == ["execution.started", "execution.executed"]
    obs = rt.store.observation(done.mission_id, f"exec-{pid}")
    assert obs is not None and obs.text.startswith("✅ Executed helpdesk.issue_credit")
    assert (
        Executor(rt).execute(pid).status == "executed" and len(credits(rt)) == 1
    )  # a second call is a no-op


def test_a_tool_the_worker_does_not_have_fails_the_proposal_with_the_reason(rt, run_jobs):
    pid = parked(rt, run_jobs)
    approved(rt, pid)
    rt.store.mutate_proposal(pid, lambda p: p.model_copy(update={"tool": "helpdesk.vanished"}))
    failed = Executor(rt).execute(pid)
    assert (failed.status, failed.error) == ("failed", "helpdesk.vanished is not available to this worker")
    assert "execution.failed" in events(rt, pid) and credits(rt) == []


def test_a_settled_proposal_keeps_its_outcome_when_settled_again(rt, run_jobs):
    pid = parked(rt, run_jobs)
    approved(rt, pid)
    Executor(rt).execute(pid)
    again = Executor(rt).fail(pid, error="a late failure report")
    assert again.status == "executed" and again.error is None


def card_updates(rt, pid: str) -> list[str]:
    outbox = ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix)
    return [
        m["card"]["status"]
        for _, m in outbox.read()
        if m["op"] == "update" and m.get("card") and m["card"]["proposal_id"] == pid
    ]


def test_each_change_of_an_approved_proposal_updates_its_card_once(rt, run_jobs):
    pid = parked(rt, run_jobs)
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(pid).status == "executed"
    assert card_updates(rt, pid) == ["approved", "executed"]


def test_a_crash_between_the_settlement_and_its_follow_ups_still_ends_with_the_card_right(
    rt, run_jobs, monkeypatch
):
    pid = parked(rt, run_jobs)
    follow_up, calls = Executor.follow_up, []

    def crash_once(self, proposal):
        calls.append(proposal.status)
        if len(calls) == 1:
            raise RuntimeError("worker died after the settlement")
        follow_up(self, proposal)

    monkeypatch.setattr(Executor, "follow_up", crash_once)
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()  # the execution job fails after settling; its retry finds it settled and follows up
    assert calls == ["executed", "executed"] and len(credits(rt)) == 1
    assert card_updates(rt, pid)[-1] == "executed"
    assert rt.store.mission(rt.store.proposal(pid).mission_id).status == "done"


def test_a_crash_between_the_settlement_and_its_audit_event_is_recorded_once_by_the_rerun(
    rt, run_jobs, monkeypatch
):
    pid = parked(rt, run_jobs)
    approved(rt, pid)
    record, calls = Executor._record_outcome, []

    def crash_once(self, proposal):
        calls.append(proposal.status)
        if len(calls) == 1:
            raise RuntimeError("worker died after the settlement, before its audit event")
        record(self, proposal)

    monkeypatch.setattr(Executor, "_record_outcome", crash_once)
    with pytest.raises(RuntimeError, match="before its audit event"):
        Executor(rt).execute(pid)
    assert rt.store.proposal(pid).status == "executed" and "execution.executed" not in events(rt, pid)
    Executor(rt).execute(pid)  # the job's retry: settled already, so nothing runs; the outcome is recorded
    Executor(rt).execute(pid)  # and only once
    assert events(rt, pid).count("execution.executed") == 1 and len(credits(rt)) == 1


def test_settling_a_settled_proposal_again_records_no_second_outcome(rt, run_jobs):
    pid = parked(rt, run_jobs)
    approved(rt, pid)
    Executor(rt).execute(pid)
    Executor(rt).fail(pid, error="a late failure report")
    assert events(rt, pid).count("execution.executed") == 1 and "execution.failed" not in events(rt, pid)
