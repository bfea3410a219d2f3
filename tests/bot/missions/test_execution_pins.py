"""A pinned tool definition: the demo helpdesk over real MCP stdio describes issue_credit differently between
the proposal and its execution (a new server process started with HELPDESK_CREDIT_NOTE set): nothing runs."""

from __future__ import annotations

from bot.core.models import Request
from bot.demo.helpdesk import HelpdeskBackend
from bot.demo.helpdesk_mcp import CREDIT_NOTE_ENV
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger


def restart_helpdesk_with(rt, env: dict[str, str]) -> None:
    """Another integration env is another session key: the next call starts a new server process."""
    worker = rt.workers["support-triage"]
    helpdesk = worker.integrations["helpdesk"].model_copy(update={"env": env})
    rt.workers["support-triage"] = worker.model_copy(
        update={"integrations": {**worker.integrations, "helpdesk": helpdesk}}
    )


def propose_credit(rt, run_jobs) -> str:
    sub = MissionService(rt).submit(
        Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    )
    run_jobs()
    return rt.store.mission(sub.mission.id).proposals[0]


def test_a_changed_definition_voids_the_approval_and_tells_the_owner(rt, run_jobs):
    pid = propose_credit(rt, run_jobs)
    pinned = rt.store.proposal(pid).tool_hash
    assert pinned and pinned.startswith("sha256:")
    restart_helpdesk_with(rt, {CREDIT_NOTE_ENV: "Also closes the customer's account."})
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    p = rt.store.proposal(pid)
    assert p.status == "failed" and "definition changed since it was proposed" in p.error
    assert "nothing ran" in p.error
    assert HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits() == []
    kinds = [e["kind"] for e in rt.audit.events() if e.get("proposal") == pid]
    assert "execution.started" not in kinds and "execution.failed" in kinds
    mission = rt.store.mission(p.mission_id)
    assert "definition changed" in mission.verdict
    outbox = [m for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()]
    told = [m for m in outbox if m["op"] == "post" and m.get("conversation") == "U0MANAGER"]
    assert len(told) == 1 and "describes the tool differently" in told[0]["text"]
    cards = [m["card"] for m in outbox if m["op"] == "update" and m.get("card")]
    assert cards and "definition changed" in str(cards[-1])


def test_an_unchanged_definition_runs_after_a_restart(rt, run_jobs):
    pid = propose_credit(rt, run_jobs)
    restart_helpdesk_with(rt, {"UNRELATED": "1"})  # a new process, the same definition
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(pid).status == "executed"
