"""An approved action's cards: one sync per change (the decision, then the outcome), both by the card-sync job."""

from __future__ import annotations

from bot.core.models import Request
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.execution import Executor
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger


def parked(rt, run_jobs) -> str:
    request = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    mission = MissionService(rt).submit(request).mission
    run_jobs()
    return rt.store.proposal(rt.store.mission(mission.id).proposals[0]).id


def card_updates(rt, pid: str) -> list[str]:
    outbox = ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix)
    return [
        m["card"]["status"]
        for _, m in outbox.read()
        if m["op"] == "update" and m.get("card") and m["card"]["proposal_id"] == pid
    ]


def credits(rt) -> list[dict]:
    return HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()


def test_each_change_of_an_approved_proposal_updates_its_card_once(rt, run_jobs):
    pid = parked(rt, run_jobs)
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.proposal(pid).status == "executed"
    assert card_updates(rt, pid) == ["approved", "executed"]


def test_a_crash_between_the_settlement_and_its_follow_ups_still_ends_with_the_card_right(
    rt, run_jobs, monkeypatch
):
    pid = parked(rt, run_jobs)
    follow_up, calls = Executor.follow_up, []

    def crash_once(self, proposal):
        calls.append(proposal.status)
        if len(calls) == 1:
            raise RuntimeError("worker died after the settlement")
        follow_up(self, proposal)

    monkeypatch.setattr(Executor, "follow_up", crash_once)
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()  # the execution job fails after settling; its retry finds it settled and follows up
    assert calls == ["executed", "executed"] and len(credits(rt)) == 1
    assert card_updates(rt, pid)[-1] == "executed"
    assert rt.store.mission(rt.store.proposal(pid).mission_id).status == "done"
