"""The decision reaches the agent: a rejection's reason as the tool's result (the model may propose something
else within its step cap), an expiry as "expired, no decision" (never a rejection). Scripted model."""

from __future__ import annotations

from datetime import timedelta

from langchain_core.messages import ToolMessage

from bot.missions.escalation import Escalator
from bot.missions.service import MissionService
from tests.bot.missions.planners.test_agent import ask, credits, reject_first, triage_script
from tests.bot.missions.test_escalation import around_the_clock
from tests.support.scripted_model import call, turn


def told(model, step: int, call_id: str) -> str:
    return next(
        m for m in model.seen[step] if isinstance(m, ToolMessage) and m.tool_call_id == call_id
    ).content


def test_after_a_rejection_the_agent_proposes_something_else_which_runs_once_approved(rt, run_jobs, script):
    second = call("helpdesk__issue_credit", "c5", account_id="ACME-7", amount=30, reason="ESC-1042 outage")
    model = script(
        [
            *triage_script()[:3],
            lambda seen: (
                turn("The approver asked for 30; proposing 30.", second)
                if "use 30" in str(seen)
                else turn("?")
            ),
            turn("Credited 30 as the approver asked."),
        ]
    )
    mission = ask(rt, "ESC-1042")
    reject_first(rt, run_jobs, mission, actor="U0OWNER2", reason_code="wrong_amount", comment="use 30")
    assert "wrong_amount: use 30" in told(model, 3, "c4")
    parked = rt.store.mission(mission.id)
    assert parked.status == "awaiting_approval" and len(parked.proposals) == 2
    retry = rt.store.proposal(parked.proposals[1])
    assert (retry.tool, retry.args["amount"], retry.status) == ("helpdesk.issue_credit", 30.0, "pending")
    MissionService(rt).decide(retry.id, actor="U0OWNER2", approve=True, platform="console")
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "done" and [c["amount"] for c in credits(rt)] == [30.0]
    assert (
        "rejected by @U0OWNER2 (wrong amount: use 30)" in done.verdict
        and "approved by @U0OWNER2" in done.verdict
    )


def test_an_expiry_reaches_the_agent_as_no_decision_and_fails_the_mission(rt, run_jobs, script):
    model = script(triage_script(final="Nobody decided on the credit in time; nothing was credited."))
    around_the_clock(rt)  # wall minutes, whatever the time of day this runs
    mission = ask(rt, "ESC-1042")
    run_jobs()
    pid = rt.store.mission(mission.id).proposals[0]
    rt.store.mutate_proposal(
        pid, lambda p: p.model_copy(update={"created_at": rt.clock() - timedelta(days=2)})
    )
    assert "expired" in [s.step for s in Escalator(rt).sweep()]
    run_jobs()
    answer = told(model, 3, "c4")
    assert answer.startswith("EXPIRED, no decision") and "REJECTED" not in answer
    done = rt.store.mission(mission.id)
    assert done.status == "failed" and credits(rt) == []
    assert "expired, no decision" in done.verdict and "rejected" not in done.verdict
