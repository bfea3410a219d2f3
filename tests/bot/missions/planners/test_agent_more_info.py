"""The LLM planner after a needs-more-info rejection: the requester's answer reaches the model as a message,
and the model's new proposal is a second attempt the verdict lists with the first."""

from __future__ import annotations

from langchain_core.messages import HumanMessage, ToolMessage

from bot.missions.service import MissionService
from tests.bot.missions.planners.test_agent import ask, reject_first, triage_script
from tests.support.scripted_model import call, turn

ANSWER = "Checkout was down 09:00-11:00 UTC; they want 60."


def test_the_answer_reaches_the_model_which_proposes_again(rt, run_jobs, script):
    model = script(
        [
            *triage_script()[:3],
            turn(
                "With a 2h outage, 60 is within the cap.",
                call("helpdesk__issue_credit", "c5", account_id="ACME-7", amount=60, reason="ESC-1042"),
                tokens=90,
            ),
            turn("Credited 60 after the requester's answer.", tokens=40),
        ]
    )
    mission = ask(rt, "ESC-1042 checkout down, please credit")
    comment = "How long was the outage?"
    reject_first(rt, run_jobs, mission, actor="U0OWNER1", reason_code="needs_more_info", comment=comment)
    svc = MissionService(rt)
    assert (
        rt.store.mission(mission.id).status == "awaiting_info" and model.i == 3
    )  # the model was not asked yet

    svc.add_context(mission.id, user="U0AGENT", text=ANSWER)
    run_jobs()
    prompt = model.seen[3]
    rejected = next(m for m in prompt if isinstance(m, ToolMessage) and m.tool_call_id == "c4")
    assert (
        rejected.content.startswith("REJECTED by U0OWNER1") and "How long was the outage?" in rejected.content
    )
    assert isinstance(prompt[-1], HumanMessage) and ANSWER in prompt[-1].content
    assert '<untrusted_data source="requester_follow_up">' in prompt[-1].content
    parked = rt.store.mission(mission.id)
    second = rt.store.proposal(parked.proposals[-1])
    assert len(parked.proposals) == 2 and (second.args["amount"], second.context) == (60.0, [ANSWER])

    svc.decide(second.id, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "done" and model.i == 5
    assert "rejected by @U0OWNER1 (needs more info" in done.verdict and "Amount: $60" in done.verdict
    assert sum(isinstance(m, HumanMessage) and ANSWER in m.content for m in model.seen[4]) == 1  # given once
