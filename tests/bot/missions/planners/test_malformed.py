"""A malformed tool call (LangChain's `invalid_tool_calls`) is never run and never dropped:
the model is told."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, ToolMessage

from bot.core.models import Request
from bot.missions.planners.agent import DEFAULT_MAX_STEPS
from bot.missions.planners.malformed import invalid_call_answer, malformed_note, observation
from bot.missions.service import MissionService
from tests.support.scripted_model import turn


def ask(rt):
    return (
        MissionService(rt)
        .submit(
            Request(
                platform="console",
                conversation="C0SUPPORT",
                requester="U0AGENT",
                text="ESC-1042 checkout down",
            )
        )
        .mission
    )


def malformed(call_id: str) -> AIMessage:
    bad = {
        "name": "helpdesk__get_ticket",
        "args": '{"ticket_id": ',
        "id": call_id,
        "error": "Expecting value: line 1 column 15",
        "type": "invalid_tool_call",
    }
    return AIMessage(content="Reading the ticket.", invalid_tool_calls=[bad])


def test_the_model_reads_an_error_for_its_malformed_call_and_carries_on(rt, run_jobs, script):
    model = script([malformed("b1"), turn("Could not read the ticket; nothing proposed.")])
    mission = ask(rt)
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "done" and "nothing proposed" in done.verdict
    told = [m for m in model.seen[1] if isinstance(m, ToolMessage) and m.tool_call_id == "b1"]
    assert len(told) == 1 and told[0].status == "error"
    assert "was not run: it was malformed (Expecting value" in told[0].content
    notes = [o.text for o in rt.store.observations(mission.id)]
    assert any("malformed tool call from the model (helpdesk__get_ticket)" in n for n in notes)


def test_a_model_that_only_sends_malformed_calls_fails_saying_why(rt, run_jobs, script):
    model = script([malformed(f"b{i}") for i in range(DEFAULT_MAX_STEPS)])
    mission = ask(rt)
    run_jobs()
    done = rt.store.mission(mission.id)
    assert model.i == DEFAULT_MAX_STEPS
    assert (
        done.status == "failed" and f"Could not finish within {DEFAULT_MAX_STEPS} model steps" in done.verdict
    )
    assert "last tool call (helpdesk__get_ticket) was malformed: Expecting value" in done.verdict


class Killed(BaseException):
    """The worker process dying while the model thinks (not an Exception: nothing may swallow it)."""


def test_a_run_killed_right_after_a_malformed_call_resumes_by_telling_the_model(rt, script):
    from bot.missions.runner import MissionRunner

    def dies(messages):
        raise Killed

    model = script([malformed("b1"), dies, turn("Could not read the ticket; nothing proposed.")])
    mission = ask(rt)
    with pytest.raises(Killed):
        MissionRunner(rt).run(mission.id)  # the malformed turn was saved, its answer not yet
    assert MissionRunner(rt).run(mission.id) == "done"  # the retry: not "Reading the ticket." as a verdict
    done = rt.store.mission(mission.id)
    assert "nothing proposed" in done.verdict
    assert any(isinstance(m, ToolMessage) and m.tool_call_id == "b1" for m in model.seen[2])


def test_the_answer_names_the_tool_the_error_and_what_to_send_instead():
    bad = malformed("b9").invalid_tool_calls[0]
    answer = invalid_call_answer(bad)
    assert (answer.tool_call_id, answer.name, answer.status) == ("b9", "helpdesk__get_ticket", "error")
    assert answer.content.startswith("ERROR: your call to helpdesk__get_ticket was not run")
    assert "arguments were '{\"ticket_id\":'" in answer.content and "one JSON object" in answer.content
    assert observation(bad) == (
        "⚠️ malformed tool call from the model (helpdesk__get_ticket); not run, the model was told"
    )


def test_model_text_in_a_malformed_call_is_shortened_and_defanged():
    bad = {"name": None, "args": "x" * 500 + " evil.com", "id": "b1", "error": "@here see evil.com"}
    content = invalid_call_answer(bad).content
    assert "your call to unknown" in content and "evil.com" not in content and "@here" not in content
    assert "…" in content and len(content) < 600


def test_a_capped_run_says_its_last_calls_were_malformed_only_when_they_were():
    assert malformed_note([malformed("b1")]) == (
        " The model's last tool call (helpdesk__get_ticket) was malformed: Expecting value: line 1 column 15."
    )
    assert malformed_note([malformed("b1"), AIMessage(content="fine")]) == ""
    assert malformed_note([]) == ""
