"""The LLM planner on real Redis and RQ: read, propose, park, decide, resume, verdict; scripted model."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from langchain_core.messages import ToolMessage
from rq import SimpleWorker

from bot.core.models import Request
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService
from tests.support.scripted_model import call, turn


def ask(rt, text: str, *, user: str = "U0AGENT"):
    return (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester=user, text=text))
        .mission
    )


def credits(rt) -> list[dict]:
    return HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()


def reject_first(rt, run_jobs, mission, *, actor: str, reason_code: str, comment: str) -> str:
    """Run the mission until it parks, reject its first proposal, run it on; returns that proposal's id."""
    run_jobs()
    first = rt.store.mission(mission.id).proposals[0]
    MissionService(rt).decide(
        first, actor=actor, approve=False, platform="console", reason_code=reason_code, comment=comment
    )
    run_jobs()
    return first


def triage_script(final: str = "Credited 40 under Entitlements 2.1 Gold."):
    return [
        turn("Reading the ticket.", call("helpdesk__get_ticket", "c1", ticket_id="1042"), tokens=100),
        turn(
            "",
            call("helpdesk__get_account_history", "c2", account_id="ACME-7"),
            call("knowledge__search", "c3", query="gold credit cap per outage hour"),
            tokens=120,
        ),
        turn(
            "Gold cap is 250 (knowledge/support/entitlements.md § 2.1 Gold); propose 40.",
            call("helpdesk__issue_credit", "c4", account_id="ACME-7", amount=40, reason="ESC-1042 outage"),
            tokens=150,
        ),
        turn(final, tokens=80),
    ]


def test_read_propose_park_approve_resume_verdict(rt, run_jobs, script):
    model = script(triage_script())
    mission = ask(rt, "ESC-1042 checkout down, please credit")
    run_jobs()
    parked = rt.store.mission(mission.id)
    assert parked.status == "awaiting_approval" and model.i == 3
    proposal = rt.store.proposal(parked.proposals[0])
    assert (proposal.tool, proposal.args["amount"], proposal.status) == (
        "helpdesk.issue_credit",
        40.0,
        "pending",
    )
    assert "§ 2.1 Gold" in proposal.rationale
    assert credits(rt) == []
    observations = {o.key: o for o in rt.store.observations(mission.id)}
    assert {"m1", "m2", "m3"} <= set(observations)  # one per model turn, the full message in detail
    assert observations["m1"].detail["message"]["data"]["tool_calls"][0]["name"] == "helpdesk__get_ticket"
    cited = next(o for k, o in observations.items() if k.startswith("t2-c3"))
    assert "entitlements.md" in cited.text and "2.1 Gold" in cited.text
    # the model's turn reads its calls as labelled facts, as the card does: no JSON
    step = observations["m3"].text
    assert "calls helpdesk.issue_credit (Account ID: ACME-7 · Amount: $40 · Reason: ESC-1042 outage)" in step
    assert "{" not in step
    # what the model read came back wrapped as untrusted data
    prompt = model.seen[2]
    ticket = next(m for m in prompt if isinstance(m, ToolMessage) and m.tool_call_id == "c1")
    assert ticket.content.startswith('<untrusted_data source="helpdesk.get_ticket">')

    MissionService(rt).decide(proposal.id, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "done" and model.i == 4
    assert (
        "Credited 40 under Entitlements 2.1 Gold." in done.verdict and "approved by @U0OWNER1" in done.verdict
    )
    resumed = [m for m in model.seen[3] if isinstance(m, ToolMessage) and m.tool_call_id == "c4"]
    assert resumed and resumed[0].content.startswith("APPROVED by U0OWNER1 and EXECUTED")
    assert [c["amount"] for c in credits(rt)] == [40.0]
    assert done.tokens == 450 and "Tokens used: 450" in done.verdict


class Killed(BaseException):
    """The worker process dying mid-run (not an Exception: nothing on the way may swallow it)."""


def test_a_resumed_agent_never_repeats_an_executed_side_effect(rt, run_jobs, script):
    from bot.missions.runner import MissionRunner

    def killed_once(messages):
        if not killed:
            killed.append(messages)
            raise Killed
        return turn("Credited 40 under Entitlements 2.1 Gold.")

    killed: list = []
    model = script([*triage_script()[:3], killed_once, killed_once])
    mission = ask(rt, "ESC-1042")
    run_jobs()
    pid = rt.store.mission(mission.id).proposals[0]
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    # Execute the approved credit, but not yet the resume it enqueued: the mission is still open.
    SimpleWorker([rt.actions_queue], connection=rt.redis).work(burst=True)
    assert rt.store.proposal(pid).status == "executed" and len(credits(rt)) == 1
    assert rt.store.mission(mission.id).is_open and len(rt.missions_queue) == 1

    # A resume dies after the execution's outcome was fed back, while the model is thinking.
    with pytest.raises(Killed):
        MissionRunner(rt).run(mission.id)
    told = [m for m in killed[0] if isinstance(m, ToolMessage) and m.tool_call_id == "c4"]
    assert told and told[0].content.startswith("APPROVED by U0OWNER1 and EXECUTED")
    assert rt.store.mission(mission.id).is_open

    # Then the retry, a stale resume and the queued job all run the same open mission, two of them at once.
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: MissionRunner(rt).run(mission.id), range(2)))
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "done" and set(results) <= {"done"}
    assert [c["amount"] for c in credits(rt)] == [40.0] and done.proposals == [pid]
    assert model.i == 5  # the final answer was asked for once after the crash, then reused
    assert rt.store.proposal(pid).status == "executed"


def test_rejection_reaches_the_model_with_its_reason(rt, run_jobs, script):
    model = script(
        triage_script(final="The approver rejected the credit (wrong amount); nothing was credited.")
    )
    mission = ask(rt, "ESC-1042")
    run_jobs()
    pid = rt.store.mission(mission.id).proposals[0]
    MissionService(rt).decide(
        pid, actor="U0OWNER2", approve=False, platform="console", reason_code="wrong_amount", comment="use 30"
    )
    run_jobs()
    answer = next(m for m in model.seen[3] if isinstance(m, ToolMessage) and m.tool_call_id == "c4")
    assert answer.content.startswith("REJECTED by U0OWNER2") and "wrong_amount: use 30" in answer.content
    done = rt.store.mission(mission.id)
    assert done.status == "done" and credits(rt) == []
    assert "rejected by @U0OWNER2 (wrong amount: use 30)" in done.verdict


def test_step_cap_closes_the_mission_with_a_clear_verdict(rt, run_jobs, script):
    from bot.missions.planners import agent

    loop = [
        turn("again", call("helpdesk__get_ticket", f"r{i}", ticket_id="1042"), tokens=10) for i in range(20)
    ]
    model = script(loop)
    rt.planner_factory = lambda rt_, mission: agent.AgentPlanner(model_factory=rt_.model_factory, max_steps=3)
    mission = ask(rt, "ESC-1042")
    run_jobs()
    done = rt.store.mission(mission.id)
    assert model.i == 3 and done.status == "failed"
    assert "within 3 model steps" in done.verdict and done.tokens == 30


def test_a_missing_provider_package_names_the_extra(rt, run_jobs, agent_worker):
    # langchain-openai and -anthropic are test dependencies; langchain-ollama is not installed
    rt.workers["support-triage"] = agent_worker.model_copy(update={"model": "ollama:llama3.1"})
    mission = ask(rt, "ESC-1042")
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "failed" and "pip install 'missionbot[ollama]'" in done.verdict
