"""Effect preview: the demo helpdesk over real MCP stdio previews issue_credit on the card; a credit to the
account suspended between the approval and the execution changes the guarded facts, so nothing runs and the
approvers are asked again; the next approval executes (a real RQ burst worker runs every job)."""

from __future__ import annotations

from bot.core.cards import Card
from bot.core.models import Request
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger
from bot.platforms.console.text import render_card


def propose_credit(rt, run_jobs) -> str:
    sub = MissionService(rt).submit(
        Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    )
    run_jobs()
    return rt.store.mission(sub.mission.id).proposals[0]


def desk(rt) -> HelpdeskBackend:
    return HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock)


def cards(rt) -> list[str]:
    """Every card the console messenger posted or updated, as the console renders it."""
    outbox = [m for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()]
    return [render_card(Card.model_validate(m["card"])) for m in outbox if m.get("card")]


def approve(rt, run_jobs, pid: str, actor: str = "U0OWNER1"):
    MissionService(rt).decide(pid, actor=actor, approve=True, platform="console")
    run_jobs()
    return rt.store.proposal(pid)


def test_the_card_shows_what_will_change(rt, run_jobs):
    pid = propose_credit(rt, run_jobs)
    p = rt.store.proposal(pid)
    assert p.status == "pending"
    assert p.preview == "Balance $0 → $40; credit 1 this quarter"
    assert p.preview_guard == {"account_status": "active"}
    assert "What will change: Balance $0 → $40" in cards(rt)[-1]
    created = next(e for e in rt.audit.events() if e["kind"] == "proposal.created" and e["proposal"] == pid)
    assert created["data"]["preview"] == p.preview


def test_a_changed_world_stops_the_execution_and_asks_again(rt, run_jobs):
    pid = propose_credit(rt, run_jobs)
    # Meanwhile the helpdesk's staff suspend the account: the preview's guarded fact moves.
    desk(rt).set_account_status("ACME-7", "suspended")
    p = approve(rt, run_jobs, pid)
    assert p.status == "pending" and p.asked == 1 and p.decided_by is None
    assert p.preview_changed == "Account status: active → suspended"
    assert [c["amount"] for c in desk(rt).credits()] == []  # nothing ran
    kinds = [e["kind"] for e in rt.audit.events() if e.get("proposal") == pid]
    assert "proposal.asked_again" in kinds and "execution.started" not in kinds
    assert rt.store.mission(p.mission_id).status == "awaiting_approval"
    last = cards(rt)[-1]
    assert "Asked again, the world changed since the approval: Account status: active → suspended" in last

    # Asked again: the second approval is audited, synced and executed under markers of its own round.
    p = approve(rt, run_jobs, pid, "U0OWNER2")
    assert p.status == "executed" and p.decided_by == "U0OWNER2"
    assert [c["amount"] for c in desk(rt).credits()] == [40]
    kinds = [e["kind"] for e in rt.audit.events() if e.get("proposal") == pid]
    assert kinds.count("decision.approved") == 2 and kinds.count("execution.executed") == 1


def test_an_unchanged_world_runs_once(rt, run_jobs):
    pid = propose_credit(rt, run_jobs)
    # Another credit to the same account moves the balance, not the guarded status: no need to ask again.
    desk(rt).issue_credit(account_id="ACME-7", amount=25, reason="by hand", idempotency_key="x")
    p = approve(rt, run_jobs, pid)
    assert p.status == "executed" and p.asked == 0 and p.preview_changed is None
