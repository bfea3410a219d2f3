"""A rejection that asks for more information parks the mission, asks the requester,
and resumes with the answer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import app
from bot.core.cards import card_for
from bot.core.errors import BadRequest, NotAuthorized
from bot.core.models import Request
from bot.missions.escalation import Escalator
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger
from bot.platforms.slack.blockkit import card_blocks
from bot.platforms.teams.adaptive import card_payload
from tests.bot.missions.test_escalation import around_the_clock
from tests.support.clock import Clock, clocked_runtime
from tests.support.redis_server import drain

WORKER = "support-triage"
ANSWER = "The outage ran 09:00-11:00 UTC; the customer lost 2 hours of checkout."


def outbox(rt) -> list[dict]:
    return [m for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()]


def kinds(rt, mission_id: str) -> list[str]:
    return [e["kind"] for e in rt.audit.events() if e.get("mission") == mission_id]


def with_context_in_rationale(rt) -> None:
    """The playbook's propose step quotes `context`, as a worker author would write it."""
    worker = rt.workers[WORKER]
    spec = worker.missions["triage_escalation"]
    steps = [
        s.model_copy(update={"rationale": "Credit. Requester said: {{ context | join('; ') }}"})
        if getattr(s, "propose", None)
        else s
        for s in spec.steps
    ]
    missions = {**worker.missions, "triage_escalation": spec.model_copy(update={"steps": steps})}
    rt.workers[WORKER] = worker.model_copy(update={"missions": missions})


def park_and_ask(rt, run) -> tuple[str, str]:
    svc = MissionService(rt)
    mission = svc.submit(
        Request(
            platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042 checkout down"
        )
    ).mission
    run()
    first = rt.store.mission(mission.id).proposals[0]
    svc.decide(
        first,
        actor="U0OWNER1",
        approve=False,
        platform="console",
        reason_code="needs_more_info",
        comment="Which outage window?\nHow long was checkout down?",
    )
    run()
    return mission.id, first


def test_needs_more_info_asks_the_requester_and_a_reply_reproposes_as_attempt_two(rt, run_jobs):
    with_context_in_rationale(rt)
    mission_id, first = park_and_ask(rt, run_jobs)
    mission = rt.store.mission(mission_id)
    assert (mission.status, mission.is_open, mission.verdict) == ("awaiting_info", True, None)
    asked = [
        m for m in outbox(rt) if m["op"] == "post" and m.get("thread") == mission.thread and "❓" in m["text"]
    ]
    assert len(asked) == 1
    assert "@U0AGENT" in asked[0]["text"] and "@U0OWNER1" in asked[0]["text"]
    assert "> Which outage window?\n> How long was checkout down?" in asked[0]["text"]
    run_jobs()  # a stray run (retry, sweep) while waiting changes nothing and asks nothing again
    assert rt.store.mission(mission_id).status == "awaiting_info"
    assert sum("❓" in m.get("text", "") for m in outbox(rt)) == 1

    svc = MissionService(rt)
    with pytest.raises(NotAuthorized):
        svc.add_context(mission_id, user="U0OWNER2", text="not the requester")
    with pytest.raises(BadRequest):  # invisible-only: nothing to read, the mission keeps waiting
        svc.add_context(mission_id, user="U0AGENT", text="\u200b\u2066\u200d \u2069")
    assert rt.store.mission(mission_id).status == "awaiting_info"
    svc.add_context(mission_id, user="U0AGENT", text=ANSWER)
    run_jobs()
    mission = rt.store.mission(mission_id)
    second = f"{mission_id}-s5-a2"
    assert mission.status == "awaiting_approval" and mission.proposals == [first, second]
    proposal = rt.store.proposal(second)
    assert proposal.status == "pending" and proposal.context == [ANSWER]
    assert proposal.rationale == f"Credit. Requester said: {ANSWER}"
    assert rt.store.proposal(first).status == "rejected"  # the first attempt stays in the record
    card = card_for(proposal, rt.worker(WORKER))
    assert any(
        "Added by the requester" in b.get("text", {}).get("text", "") and "2 hours" in b["text"]["text"]
        for b in card_blocks(card)
    )
    assert any("2 hours" in b.get("text", "") for b in card_payload(card)["body"])

    svc.decide(second, actor="U0OWNER2", approve=True, platform="console")
    run_jobs()
    done = rt.store.mission(mission_id)
    assert done.status == "done"
    assert "rejected by @U0OWNER1 (needs more info: Which outage window?" in done.verdict
    assert "executed, approved by @U0OWNER2" in done.verdict
    trail = kinds(rt, mission_id)
    for kind in (
        "mission.awaiting_info",
        "mission.context_added",
        "mission.resumed_with_info",
        "mission.done",
    ):
        assert trail.count(kind) == 1, kind
    assert trail.index("mission.awaiting_info") < trail.index("mission.resumed_with_info")


def test_another_reason_code_still_closes_and_codes_are_configurable(rt, run_jobs):
    worker = rt.workers[WORKER]
    rt.workers[WORKER] = worker.model_copy(
        update={"escalation": worker.escalation.model_copy(update={"more_info_codes": ["other"]})}
    )
    mission_id, _ = park_and_ask(rt, run_jobs)  # needs_more_info is no longer an ask-for-more code here
    closed = rt.store.mission(mission_id)
    assert closed.status == "done" and "nothing was done" in closed.verdict
    with pytest.raises(BadRequest):
        MissionService(rt).add_context(mission_id, user="U0AGENT", text=ANSWER)


@pytest.fixture
def clock(settings, redis):
    clk = Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # a Monday
    clk.rt = clocked_runtime(settings, redis, clk)
    around_the_clock(clk.rt)  # expiry below counts wall minutes, not the shipped config's working hours
    yield clk
    app.install(None)


def test_a_mission_waiting_for_information_expires_once(clock):
    rt = clock.rt
    mission_id, _ = park_and_ask(rt, lambda: drain(rt))
    clock.advance(minutes=1439)
    assert Escalator(rt).sweep() == []
    clock.advance(minutes=2)
    assert [(s.proposal, s.step) for s in Escalator(rt).sweep()] == [(mission_id, "info_expired")]
    assert Escalator(rt).sweep() == []  # a second scheduler finds nothing left to do
    expired = rt.store.mission(mission_id)
    assert expired.status == "expired" and "No answer from @U0AGENT" in expired.verdict
    assert kinds(rt, mission_id).count("mission.expired") == 1
    with pytest.raises(BadRequest):  # too late to answer
        MissionService(rt).add_context(mission_id, user="U0AGENT", text=ANSWER)
