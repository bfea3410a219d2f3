"""Effect preview by dry run: `preview: {dry_run: true}` calls the same MCP tool (the demo helpdesk's
issue_credit over real MCP stdio) with `dry_run: true`. The card shows what the dry run says will change and
nothing is credited; the dry run is read again before the execution, and an account suspended meanwhile
stops it and asks the approvers again; the next approval credits once (a real RQ burst worker)."""

from __future__ import annotations

from bot.core.config.tools import FieldSpec, PreviewSpec
from bot.core.policy.tool_gate import gate
from bot.missions import preview
from tests.bot.missions.test_preview import approve, cards, desk, propose_credit
from tests.support.approvals import TOOL, WORKER, reconfigure

DRY_RUN = PreviewSpec(
    dry_run=True,
    summary="Balance {{ balance }} → {{ balance_after }}; credit {{ credit_number }} this quarter",
    guard=["account_status"],
)
MONEY = FieldSpec(format="currency")


def by_dry_run(rt) -> None:
    fields = {"amount": MONEY, "balance": MONEY, "balance_after": MONEY}
    reconfigure(rt, tool={"preview": DRY_RUN, "fields": fields})


def test_the_card_shows_what_the_dry_run_says_and_nothing_is_credited(rt, run_jobs):
    by_dry_run(rt)
    pid = propose_credit(rt, run_jobs)
    p = rt.store.proposal(pid)
    assert (p.status, p.preview, p.preview_guard) == (
        "pending",
        "Balance $0 → $40; credit 1 this quarter",
        {"account_status": "active"},
    )
    assert "What will change: Balance $0 → $40; credit 1 this quarter" in cards(rt)[-1]
    assert desk(rt).credits() == []  # the dry run changed nothing
    assert "dry_run" not in p.args  # the planner never sees (nor sets) the flag
    kinds = [e["kind"] for e in rt.audit.events() if e.get("proposal") == pid]
    assert not any(k.startswith("execution.") for k in kinds)  # no execution record


def test_the_dry_run_is_read_again_and_a_changed_world_asks_again(rt, run_jobs):
    by_dry_run(rt)
    pid = propose_credit(rt, run_jobs)
    desk(rt).set_account_status("ACME-7", "suspended")
    p = approve(rt, run_jobs, pid)
    assert (p.status, p.asked, p.preview_changed) == ("pending", 1, "Account status: active → suspended")
    assert desk(rt).credits() == []
    p = approve(rt, run_jobs, pid, "U0OWNER2")
    assert p.status == "executed"
    assert [c["amount"] for c in desk(rt).credits()] == [40]  # once: the dry runs credited nothing


def test_a_tool_without_a_dry_run_previews_as_unavailable_and_never_runs(rt, run_jobs):
    """reverse_credit declares no `dry_run`: the preview says so (its guard never matches), nothing runs."""
    worker = rt.worker(WORKER)
    result = preview.read(
        rt,
        worker.model_copy(update={"tools": _with_dry_run(worker, "helpdesk.reverse_credit")}),
        "helpdesk.reverse_credit",
        {"credit_id": "CR-1"},
    )
    assert result is not None and result.text.startswith(
        "Preview unavailable: helpdesk.reverse_credit declares"
    )
    assert desk(rt).credits() == []


def test_the_gate_treats_a_dry_run_as_a_read_after_the_kill_switch_and_forbid(rt):
    worker, control = rt.worker(WORKER), rt.control(WORKER)
    assert gate(worker, control, TOOL, {"account_id": "ACME-7", "amount": 40.0}).verdict == "propose"
    dry = gate(worker, control, TOOL, {"account_id": "ACME-7", "amount": 40.0}, dry_run=True)
    assert (dry.verdict, dry.tier, dry.rule) == ("run", "read", "dry run: changes nothing")
    assert gate(worker, control, TOOL, {"amount": 900.0}, dry_run=True).verdict == "refuse"  # forbid
    killed = control.model_copy(update={"killed": True})
    assert gate(worker, killed, TOOL, {"amount": 40.0}, dry_run=True).verdict == "refuse"


def _with_dry_run(worker, tool: str) -> dict:
    tools = dict(worker.tools)
    tools[tool] = tools[tool].model_copy(update={"preview": PreviewSpec(dry_run=True)})
    return tools
