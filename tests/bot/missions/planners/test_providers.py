"""The real langchain-openai / langchain-anthropic packages against a local scripted server, on real timers.

A silent provider ends the mission within timeout x (retries + 1) + backoff with a verdict saying so; a
missing key fails at once naming the variable; a 429 is an observation in the thread; a malformed tool call
is answered with an error the model sees. None of these is an internal error that RQ retries.
"""

from __future__ import annotations

import time

import pytest
from rq.job import Job

from bot.core.models import Request
from bot.core.queueing import mission_job_id
from bot.missions.service import MissionService
from tests.support.scripted_llm_server import ScriptedLLMServer, hang, reply, status

MODELS = {"openai": "openai:gpt-4.1-mini", "anthropic": "anthropic:claude-sonnet-4-5"}


@pytest.fixture
def provider_worker(rt, agent_worker, monkeypatch):
    """support-triage on a real provider package: `use(provider, server, **config)` points it at `server`."""

    def use(provider: str, server: ScriptedLLMServer | None, **config):
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-not-a-real-key")
        if server is not None:
            monkeypatch.setenv("OPENAI_BASE_URL", f"{server.url}/v1")
            monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        worker = agent_worker.model_copy(update={"model": MODELS[provider], **config})
        rt.workers["support-triage"] = worker
        return worker

    return use


def ask(rt, text: str = "ESC-1042 checkout down, please credit"):
    return (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=text))
        .mission
    )


def ran_once(rt, mission_id: str) -> bool:
    """The mission job ended normally: RQ neither failed it nor scheduled a retry."""
    job = Job.fetch(mission_job_id(rt, mission_id), connection=rt.redis)
    return job.get_status() == "finished" and job.retries_left == 3


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_provider_that_never_answers_fails_the_mission_within_the_bound(
    rt, run_jobs, provider_worker, provider
):
    timeout, retries = 1.0, 1
    with ScriptedLLMServer([hang(), hang()]) as server:
        provider_worker(provider, server, model_timeout_seconds=timeout, model_max_retries=retries)
        mission = ask(rt)
        run_jobs()
        ended = time.monotonic()
    done = rt.store.mission(mission.id)
    assert done.status == "failed", done.verdict
    assert "did not answer: no reply within 1s; gave up after 2 attempts" in done.verdict
    assert "internal error" not in done.verdict
    assert [r.api for r in server.requests] == [provider, provider]  # the client itself did not retry
    # Timed from the first request (the first LLM mission of a process spends seconds importing LangChain):
    # each attempt waited its timeout, then 1 s of backoff; all within
    # timeout x (retries + 1) + backoff + margin.
    first, second = (r.at for r in server.requests)
    assert second - first >= timeout + 1
    assert ended - first < timeout * (retries + 1) + 1 + 4, ended - first
    notes = [o.text for o in rt.store.observations(mission.id)]
    assert any("did not answer within 1s; retrying in 1s (attempt 2 of 2)" in n for n in notes), notes
    assert ran_once(rt, mission.id)


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_missing_api_key_fails_at_once_naming_the_variable(
    rt, run_jobs, provider_worker, monkeypatch, provider
):
    with ScriptedLLMServer([reply("never asked")]) as server:
        provider_worker(provider, server)
        variable = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}[provider]
        monkeypatch.delenv(variable)
        mission = ask(rt)
        run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "failed" and f"{variable} is not set" in done.verdict, done.verdict
    assert server.requests == [] and ran_once(rt, mission.id)


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_a_rate_limit_is_an_observation_and_the_mission_carries_on(rt, run_jobs, provider_worker, provider):
    with ScriptedLLMServer(
        [status(429, retry_after=1), reply("Nothing to credit: no outage on record.")]
    ) as server:
        provider_worker(provider, server, model_max_retries=2)
        mission = ask(rt)
        run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "done" and "Nothing to credit" in done.verdict, done.verdict
    assert (
        len(server.requests) == 2 and server.requests[1].at - server.requests[0].at >= 1
    )  # Retry-After kept
    notes = [o.text for o in rt.store.observations(mission.id)]
    assert any(
        "is rate limiting this worker (HTTP 429); retrying in 1s (attempt 2 of 3)" in n for n in notes
    ), notes


def test_a_rate_limit_that_outlasts_the_budget_is_a_verdict_not_an_internal_error(
    rt, run_jobs, provider_worker
):
    with ScriptedLLMServer([status(429, retry_after=0), status(429, retry_after=0)]) as server:
        provider_worker("openai", server, model_max_retries=1)
        mission = ask(rt)
        run_jobs()
    done = rt.store.mission(mission.id)
    assert (
        done.status == "failed"
        and "rate limiting this worker (HTTP 429); gave up after 2 attempts" in done.verdict
    )
    assert len(server.requests) == 2 and ran_once(rt, mission.id)


def test_a_rejected_key_names_the_variable_and_is_not_retried(rt, run_jobs, provider_worker):
    with ScriptedLLMServer([status(401, message="Incorrect API key provided")]) as server:
        provider_worker("openai", server)
        mission = ask(rt)
        run_jobs()
    done = rt.store.mission(mission.id)
    assert (
        done.status == "failed" and "refused the credentials (HTTP 401): check OPENAI_API_KEY" in done.verdict
    )
    assert len(server.requests) == 1 and ran_once(rt, mission.id)


def test_a_malformed_tool_call_is_answered_with_an_error_the_model_reads(rt, run_jobs, provider_worker):
    script = [
        reply("Reading the ticket.", ("helpdesk__get_ticket", '{"ticket_id": "1042"', "call_bad")),
        reply("", ("helpdesk__get_ticket", '{"ticket_id": "1042"}', "call_good")),
        reply("Ticket 1042 read; no credit is due."),
    ]
    with ScriptedLLMServer(script) as server:
        provider_worker("openai", server)
        mission = ask(rt)
        run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "done" and "no credit is due" in done.verdict
    second = server.requests[1].body["messages"]
    told = next(m for m in second if m["role"] == "tool" and m["tool_call_id"] == "call_bad")
    assert "was not run: it was malformed" in told["content"] and '{"ticket_id": "1042"' in told["content"]
    answered = next(m for m in server.requests[2].body["messages"] if m.get("tool_call_id") == "call_good")
    assert "ESC-1042" in answered["content"] or "1042" in answered["content"]
    notes = [o.text for o in rt.store.observations(mission.id)]
    assert any("malformed tool call from the model (helpdesk__get_ticket)" in n for n in notes)
