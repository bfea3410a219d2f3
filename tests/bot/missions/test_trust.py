"""Autonomy from evidence: the error budget demotes on its own, undo is a proposal,
promotion only suggested."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.core.cards import card_for
from bot.core.config.models import Promotion
from bot.core.errors import BadRequest, NotAuthorized
from bot.core.models import Request
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.digest import render
from bot.missions.digest.compute import compute
from bot.missions.service import MissionService
from bot.missions.trust import Trust
from bot.platforms.console.messenger import ConsoleMessenger
from handlers.console.shell import ConsoleSurface


def proposal_for(rt, run_jobs, ticket: str) -> str:
    m = (
        MissionService(rt)
        .submit(
            Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=f"ESC-{ticket}")
        )
        .mission
    )
    run_jobs()
    return rt.store.mission(m.id).proposals[0]


def decide_all(rt, run_jobs, plan: list[tuple[str, bool]]) -> None:
    for ticket, ok in plan:
        pid = proposal_for(rt, run_jobs, ticket)
        MissionService(rt).decide(
            pid, actor="U0OWNER1", approve=ok, platform="console", reason_code=None if ok else "wrong_amount"
        )
    run_jobs()


def owner_messages(rt) -> list[str]:
    return [
        m["text"]
        for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()
        if m["conversation"] == "U0MANAGER"
    ]


def test_error_budget_demotes_once_with_the_numbers(rt, run_jobs):
    MissionService(rt).set_autonomy("support-triage", "autonomous", actor="U0MANAGER")
    decide_all(
        rt, run_jobs, [("1043", True), ("1047", True), ("1048", True), ("1050", True), ("1064", False)]
    )
    assert Trust(rt).enforce_all() == []  # 1 of 5 = 20%: at the limit, not over it
    assert rt.control("support-triage").autonomy == "autonomous"

    decide_all(rt, run_jobs, [("1065", False)])  # 2 of 6 = 33%
    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(Trust(rt).enforce_all())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [[], [], [], ["support-triage"]]  # two sweeps at once: one demotion
    control = rt.control("support-triage")
    assert (control.autonomy, control.changed_by) == ("assisted", "system:error_budget")
    changes = [
        e for e in rt.audit.events() if e["kind"] == "control.changed" and e["actor"] == "system:error_budget"
    ]
    assert (
        len(changes) == 1 and changes[0]["data"]["rejected"] == "2" and changes[0]["data"]["decided"] == "6"
    )
    [message] = owner_messages(rt)
    assert "autonomous to assisted" in message and "2 of 6 decisions rejected" in message and "33%" in message
    # Now assisted, a small credit waits for a human instead of being auto-approved.
    assert rt.store.proposal(proposal_for(rt, run_jobs, "1046")).status == "pending"


def test_undo_is_a_proposal_an_approver_must_decide(rt, run_jobs):
    svc = MissionService(rt)
    svc.set_autonomy("support-triage", "autonomous", actor="U0MANAGER")
    pid = proposal_for(rt, run_jobs, "1042")  # 40 <= 50: auto-approved and executed
    original = rt.store.proposal(pid)
    assert original.status == "executed"
    card = card_for(original, rt.worker("support-triage"))
    assert card.undo_tool == "helpdesk.reverse_credit" and card.undo_until == original.decided_at + timedelta(
        days=1
    )

    with pytest.raises(NotAuthorized):
        svc.request_undo(pid, actor="U0RANDOM")
    shell = ConsoleSurface(rt, user="U0OWNER2", channel="C0SUPPORT")  # an approver asks
    number = shell.number(pid)
    assert "waits for an approver" in shell.handle(f"/undo {number}")
    undo = rt.store.proposal(f"{pid}-undo")
    assert (undo.tool, undo.args, undo.status, undo.undo_of) == (
        "helpdesk.reverse_credit",
        {"credit_id": "CR-1"},
        "pending",
        pid,
    )
    assert undo.cards, "the undo card went to the approvers"
    with pytest.raises(BadRequest, match="already requested"):
        svc.request_undo(pid, actor="U0AGENT")
    run_jobs()
    helpdesk = HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock)
    assert [c["amount"] for c in helpdesk.credits()] == [40.0]  # nothing reversed without an approval
    with pytest.raises(NotAuthorized, match="four-eyes"):
        svc.decide(undo.id, actor="U0OWNER2", approve=True, platform="console")  # not their own undo

    svc.decide(undo.id, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert [c["amount"] for c in helpdesk.credits()] == [40.0, -40.0]
    assert Trust(rt).enforce_all() == ["support-triage"]  # an executed action was undone
    assert rt.control("support-triage").autonomy == "assisted"
    assert any("was undone" in m for m in owner_messages(rt))
    assert Trust(rt).enforce_all() == []


@pytest.mark.parametrize(("acceptance", "suggested"), [(0.75, True), (0.8, False)])
def test_promotion_is_suggested_with_evidence_and_never_applied(rt, run_jobs, acceptance, suggested):
    worker = rt.workers["support-triage"]
    rt.workers["support-triage"] = worker.model_copy(
        update={
            "promotion": Promotion(min_decisions=4, min_acceptance=acceptance),
            # 1 rejection in 4 is 25%: within this budget (over the default 20% no suggestion is made)
            "error_budget": worker.error_budget.model_copy(update={"max_reject_rate": 0.3}),
        }
    )
    decide_all(rt, run_jobs, [("1043", True), ("1047", True), ("1048", True), ("1050", False)])
    digest = compute(rt, "support-triage", end=rt.clock() + timedelta(seconds=1))
    if not suggested:
        assert digest.promotions == []
        return
    [promo] = digest.promotions
    assert (promo.tool, promo.decisions, promo.approved) == ("helpdesk.issue_credit", 4, 3)
    assert promo.rule == "auto_approve: {amount: {lte: 250}}"
    assert "set `auto_approve: {amount: {lte: 250}}` on helpdesk.issue_credit" in render.text(digest)
    assert rt.control("support-triage").autonomy == "assisted"
    assert rt.workers["support-triage"].tools["helpdesk.issue_credit"].auto_approve == {"amount": {"lte": 50}}


def with_promotion(rt, *, max_reject_rate: float) -> None:
    worker = rt.workers["support-triage"]
    rt.workers["support-triage"] = worker.model_copy(
        update={
            "promotion": Promotion(min_decisions=4, min_acceptance=0.75),
            "error_budget": worker.error_budget.model_copy(update={"max_reject_rate": max_reject_rate}),
        }
    )


def test_a_suggestion_never_covers_a_rejected_amount(rt, run_jobs):
    with_promotion(rt, max_reject_rate=0.3)
    # 180, 250 and 60 approved, 100 rejected: "up to 250" would cover the rejected 100.
    decide_all(rt, run_jobs, [("1043", True), ("1047", True), ("1056", True), ("1048", False)])
    [promo] = compute(rt, "support-triage", end=rt.clock() + timedelta(seconds=1)).promotions
    assert promo.rule == "auto_approve: {amount: {lt: 100}}"


def test_no_suggestion_while_the_error_budget_is_spent(rt, run_jobs):
    with_promotion(rt, max_reject_rate=0.2)
    decide_all(rt, run_jobs, [("1043", True), ("1047", True), ("1056", True), ("1048", False)])
    digest = compute(rt, "support-triage", end=rt.clock() + timedelta(seconds=1))
    assert digest.error_budget.exceeded and digest.promotions == []  # 1 of 4 = 25% > 20%
    assert "No promotion is suggested while the error budget is spent." in render.text(digest)


def test_questions_and_undo_decisions_are_their_own_categories(rt, run_jobs):
    svc = MissionService(rt)
    svc.set_autonomy("support-triage", "autonomous", actor="U0MANAGER")
    decide_all(rt, run_jobs, [("1043", True)])
    for ticket in ("1047", "1048"):  # two questions: 2 of 3 would be 67% if they were rejections
        pid = proposal_for(rt, run_jobs, ticket)
        svc.decide(pid, actor="U0OWNER1", approve=False, platform="console", reason_code="needs_more_info")
    run_jobs()
    assert Trust(rt).enforce_all() == [] and rt.control("support-triage").autonomy == "autonomous"
    week = compute(rt, "support-triage", end=rt.clock() + timedelta(seconds=1)).current
    assert (week.approved, week.rejected, week.questions, week.acceptance_rate) == (1, 0, 2, 1.0)
    assert Trust(rt).reject_rate("support-triage").describe().startswith("0 of 1 decisions rejected")


def test_raising_autonomy_over_a_spent_budget_is_refused_with_the_reason(rt, run_jobs):
    decide_all(rt, run_jobs, [("1043", True), ("1047", False)])  # 1 of 2 = 50% > 20%
    before = len(list(rt.audit.events()))
    with pytest.raises(BadRequest, match=r"stays assisted: the error budget is spent \(1 of 2 decisions"):
        MissionService(rt).set_autonomy("support-triage", "autonomous", actor="U0MANAGER")
    assert rt.control("support-triage").autonomy == "assisted" and len(list(rt.audit.events())) == before
    MissionService(rt).set_autonomy("support-triage", "shadow", actor="U0MANAGER")  # lowering is fine
