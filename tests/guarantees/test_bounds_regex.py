"""Configured patterns run with a time limit: a slow one is a no-match in routing and a refusal in the gate.

The pattern here passes the load-time check (no nested quantifier) yet is polynomial-heavy on a long
input (each `.*` backtracks over the others): without the limit one search takes minutes.
"""

from __future__ import annotations

import time

from bot.core.config.models import MissionSpec
from bot.core.models import Control
from bot.core.policy import gate
from bot.core.regexes import TIMEOUT_SECONDS, check_pattern
from bot.core.routing import NoRoute, Route, route

SLOW = r"a.*a.*a.*a.*a.*a.*!"
EVIL = "a" * 4000


def test_the_slow_pattern_is_allowed_at_load():
    assert check_pattern(SLOW) == SLOW


def test_a_slow_match_pattern_is_no_match_and_routing_returns(rt):
    worker = rt.workers["support-triage"]
    spec = worker.missions["triage_escalation"]
    slow = worker.model_copy(
        update={
            "missions": {
                "slow": MissionSpec(description="slow", match=[SLOW], instructions="x"),
                "triage_escalation": spec,
            }
        }
    )
    started = time.monotonic()
    result = route({"support-triage": slow}, conversation="C0ELSEWHERE", text=EVIL)
    assert time.monotonic() - started < 20  # minutes without the limit (0.2 s); loose for a loaded machine
    assert isinstance(result, NoRoute)
    # the next pattern still gets its turn, and a quick input still matches the slow pattern
    hit = route({"support-triage": slow}, conversation="C0ELSEWHERE", text="ESC-1042 " + "a" * 200)
    assert isinstance(hit, Route) and hit.mission == "triage_escalation"
    assert isinstance(route({"support-triage": slow}, conversation="C0X", text="aaaaaa!"), Route)


def _worker_with(rt, **policy):
    worker = rt.workers["support-triage"]
    tools = {
        **worker.tools,
        "helpdesk.issue_credit": worker.tools["helpdesk.issue_credit"].model_copy(update=policy),
    }
    return worker.model_copy(update={"tools": tools})


def test_a_forbid_pattern_that_runs_out_of_time_refuses(rt):
    worker = _worker_with(rt, forbid={"reason": {"matches": SLOW}})
    args = {"account_id": "ACME-7", "amount": 10.0, "reason": EVIL}
    started = time.monotonic()
    decision = gate(worker, Control(autonomy="autonomous"), "helpdesk.issue_credit", args)
    assert time.monotonic() - started < 20 and decision.verdict == "refuse"
    assert decision.rule.startswith("forbid: reason matches")
    quick = gate(worker, Control(autonomy="autonomous"), "helpdesk.issue_credit", {**args, "reason": "ok"})
    assert quick.verdict != "refuse"


def test_an_auto_approve_pattern_that_runs_out_of_time_asks_a_human(rt):
    worker = _worker_with(rt, auto_approve={"reason": {"matches": SLOW}})
    args = {"account_id": "ACME-7", "amount": 10.0, "reason": EVIL}
    started = time.monotonic()
    decision = gate(worker, Control(autonomy="autonomous"), "helpdesk.issue_credit", args)
    assert time.monotonic() - started < 20 and decision.verdict == "propose"
    assert (
        gate(
            worker, Control(autonomy="autonomous"), "helpdesk.issue_credit", {**args, "reason": "aaaaaa!"}
        ).verdict
        == "auto"
    )
    assert TIMEOUT_SECONDS < 1
