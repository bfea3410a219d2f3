"""MCP integrations over real stdio: the shipped helpdesk server, a server that is down, one that hangs."""

from __future__ import annotations

import time

import pytest

from bot.commands.tools_cmd import describe
from bot.core.config.tools import StdioIntegration, ToolPolicy
from bot.core.errors import ToolError
from bot.core.models import Request
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService

HELPDESK = StdioIntegration(
    transport="stdio", command="python", args=["-m", "bot.demo.helpdesk_mcp"], timeout_seconds=20
)


def mcp_worker(rt, integration=HELPDESK, *, steps=None):
    """support-triage, playbook, reaching its helpdesk over MCP instead of the built-in module."""
    base = rt.workers["support-triage"]
    data = base.model_dump()
    data["integrations"] = {"helpdesk": integration.model_dump()}
    data["missions"]["triage_escalation"]["steps"] = steps or [
        {"tool": "helpdesk.get_ticket", "args": {"ticket_id": "{{ ticket_id }}"}, "save_as": "ticket"},
        {
            "propose": "helpdesk.issue_credit",
            "args": {"account_id": "{{ ticket.account_id }}", "amount": "{{ ticket.requested_credit }}"},
            "rationale": "Requested {{ ticket.requested_credit }}.",
        },
    ]
    worker = type(base).model_validate(data)
    rt.workers["support-triage"] = worker
    return worker


def ask(rt, text: str):
    return (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=text))
        .mission
    )


def credits(rt):
    return HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()


def test_a_mission_reaches_the_helpdesk_over_stdio_and_credits_once(rt, run_jobs):
    mcp_worker(rt)
    tools = rt.toolbox.tools_for(rt.workers["support-triage"])
    assert {"helpdesk.get_ticket", "helpdesk.issue_credit"} <= set(tools)
    assert "idempotency_key" not in tools["helpdesk.issue_credit"].spec.args_model.model_fields  # ours to set
    mission = ask(rt, "ESC-1042 checkout down")
    run_jobs()
    parked = rt.store.mission(mission.id)
    assert parked.status == "awaiting_approval"
    assert "Checkout down" in rt.store.observations(mission.id)[0].text  # the read came over MCP
    proposal = rt.store.proposal(parked.proposals[0])
    assert proposal.args["amount"] == 40.0 and credits(rt) == []  # typed by the server's schema
    MissionService(rt).decide(proposal.id, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(proposal.id).status == "executed"
    # A retried execution carries the same idempotency key: the server credits once.
    again = tools["helpdesk.issue_credit"].call(proposal.args, idempotency_key=proposal.id)
    assert again["replayed"] is True and [c["amount"] for c in credits(rt)] == [40.0]
    assert rt.store.mission(mission.id).status == "done"


def test_tools_command_suggests_tiers_from_annotations_and_marks_unlisted_tools(rt):
    worker = mcp_worker(rt).model_copy(
        update={
            "tools": {
                "helpdesk.get_ticket": ToolPolicy(tier="read"),
                "helpdesk.issue_credit": ToolPolicy(tier="write"),
                "helpdesk.refund_everything": ToolPolicy(tier="execute"),
            }
        }
    )
    lines, ok = describe(worker)
    text = "\n".join(lines)
    assert "helpdesk.get_ticket" in text and "suggested: read     configured: read" in text
    assert "suggested: execute  configured: write" in text  # annotations never override the config
    assert "helpdesk.get_account_history" in text and "NOT LISTED" in text
    assert (
        "helpdesk.refund_everything is listed under tools but helpdesk does not offer it" in text and not ok
    )
    assert set(rt.toolbox.tools_for(worker)) == {"helpdesk.get_ticket", "helpdesk.issue_credit"}


def test_a_server_that_is_down_becomes_an_observation_and_a_verdict(rt, run_jobs):
    mcp_worker(
        rt, StdioIntegration(transport="stdio", command="/nonexistent/helpdesk-mcp", timeout_seconds=5)
    )
    mission = ask(rt, "ESC-1042")
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "failed" and "Could not finish" in done.verdict and "unreachable" in done.verdict
    assert any(o.text.startswith("⚠️") for o in rt.store.observations(mission.id))


def test_a_slow_server_times_out_instead_of_hanging_the_worker(rt, run_jobs):
    slow = StdioIntegration(
        transport="stdio", command="python", args=["-m", "tests.support.slow_mcp"], timeout_seconds=3
    )
    mcp_worker(rt, slow, steps=[{"tool": "helpdesk.get_ticket", "args": {"ticket_id": "1042"}}])
    started = time.monotonic()
    mission = ask(rt, "ESC-1042")
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "failed" and "no answer within 3s" in done.verdict
    assert time.monotonic() - started < 30  # bounded by the timeout, not the server's 60 s sleep


def test_errors_from_the_server_are_tool_errors(rt):
    tools = rt.toolbox.tools_for(mcp_worker(rt))
    with pytest.raises(ToolError, match="no ticket '9'"):
        tools["helpdesk.get_ticket"].call({"ticket_id": "9"}, idempotency_key=None)


def test_runtimes_that_differ_by_prefix_share_a_server_but_never_state(rt, redis_url):
    from bot.tools.mcp import McpServer

    mine = McpServer(
        "helpdesk", HELPDESK, env={"REDIS_URL": redis_url, "MISSIONBOT_KEY_PREFIX": rt.settings.key_prefix}
    )
    other_prefix = f"{rt.settings.key_prefix}-other"
    other = McpServer(
        "helpdesk", HELPDESK, env={"REDIS_URL": redis_url, "MISSIONBOT_KEY_PREFIX": other_prefix}
    )
    assert mine.key == other.key  # one session, one server process
    try:
        mine.call("issue_credit", {"account_id": "ACME-7", "amount": 5.0, "idempotency_key": "P-1"})
        other.call("get_ticket", {"ticket_id": "1042"})  # its own namespace, seeded on first use
        assert rt.redis.exists(f"{other_prefix}:helpdesk:ticket:1042")
        assert [c["amount"] for c in credits(rt)] == [5.0]
        assert HelpdeskBackend(redis=rt.redis, prefix=other_prefix, clock=rt.clock).credits() == []
    finally:
        for key in rt.redis.scan_iter(f"{other_prefix}:*"):
            rt.redis.delete(key)


def test_a_server_tool_that_raises_becomes_an_observation_and_a_clear_verdict(rt, run_jobs):
    failing = StdioIntegration(
        transport="stdio", command="python", args=["-m", "tests.support.failing_mcp"], timeout_seconds=20
    )
    mcp_worker(rt, failing)
    mission = ask(rt, "ESC-1042 checkout down")
    run_jobs()
    done = rt.store.mission(mission.id)
    assert done.status == "failed" and done.proposals == []
    assert "Could not finish" in done.verdict
    assert "helpdesk database unavailable while reading ticket 1042" in done.verdict
    warned = [o.text for o in rt.store.observations(mission.id) if o.text.startswith("⚠️")]
    assert warned and "helpdesk.get_ticket" in warned[0] and "database unavailable" in warned[0]


def test_only_missionbot_sets_dry_run_and_a_tool_without_one_is_never_called_for_it(rt):
    """issue_credit declares a boolean `dry_run`: the planner's schema lacks it (arguments naming it are
    refused), a dry run credits nothing, an execution runs for real; reverse_credit declares none: its dry
    run is refused before anything reaches the server."""
    tools = rt.toolbox.tools_for(mcp_worker(rt))
    credit = tools["helpdesk.issue_credit"]
    assert credit.spec.dry_run and "dry_run" not in credit.spec.args_model.model_fields
    said = credit.call({"account_id": "ACME-7", "amount": 40}, idempotency_key="k1", dry_run=True)
    assert (said["dry_run"], said["balance_after"]) == (True, 40) and credits(rt) == []
    with pytest.raises(ToolError, match="dry_run"):  # the flag is missionbot's alone
        credit.call({"account_id": "ACME-7", "amount": 40, "dry_run": False}, idempotency_key="k2")
    ran = credit.call({"account_id": "ACME-7", "amount": 40}, idempotency_key="k2")
    assert ran["credit_id"] and [c["amount"] for c in credits(rt)] == [40]
    reverse = tools["helpdesk.reverse_credit"]
    assert not reverse.spec.dry_run
    with pytest.raises(ToolError, match="declares no dry_run input"):
        reverse.call({"credit_id": ran["credit_id"]}, idempotency_key=None, dry_run=True)
    assert [c["amount"] for c in credits(rt)] == [40]
