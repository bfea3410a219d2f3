"""The kill switch and an approval are exclusive: no execution starts after the switch is set."""

from __future__ import annotations

import threading

from bot.core.errors import AlreadyDecided, Halted
from bot.core.models import Proposal, Request
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.execution import Executor
from bot.missions.service import MissionService

WORKER = "support-triage"


def parked(rt, run_jobs) -> str:
    mission = (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042"))
        .mission
    )
    run_jobs()
    return rt.store.mission(mission.id).proposals[0]


def credits(rt) -> int:
    return len(HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits())


def test_a_kill_landing_between_the_check_and_the_start_stops_the_execution(rt, run_jobs, monkeypatch):
    pid = parked(rt, run_jobs)
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    real = rt.control
    pulled = []

    def control_then_kill(worker: str):
        seen = real(worker)
        if not pulled:  # the owner's kill lands right after the executor read the switch
            pulled.append(1)
            rt.store.set_control(worker, seen.model_copy(update={"killed": True}))
        return seen

    monkeypatch.setattr(rt, "control", control_then_kill)
    assert Executor(rt).execute(pid).status == "halted"
    assert credits(rt) == 0


def race(svc: MissionService, pid: str, approved: list[int]) -> None:
    """An approver clicks and executes while the owner pulls the kill switch, released together."""
    start = threading.Barrier(2)

    def approver() -> None:
        start.wait()
        try:
            svc.decide(pid, actor="U0OWNER1", approve=True, platform="console")
        except (Halted, AlreadyDecided):
            return
        approved.append(1)
        Executor(svc.rt).execute(pid)

    def owner() -> None:
        start.wait()
        svc.kill(WORKER, actor="U0MANAGER")

    threads = [threading.Thread(target=approver), threading.Thread(target=owner)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_kill_racing_approval_and_execution_never_executes_after_the_kill(rt, run_jobs, monkeypatch):
    svc = MissionService(rt)
    real_set = rt.store.set_control
    at_kill: dict[str, str] = {}
    current: list[str] = []

    def set_control(worker, control):
        if not control.killed:
            return real_set(worker, control)
        with rt.redis.pipeline() as pipe:  # the proposal's state at the very moment the switch is set
            pipe.set(rt.store.key("control", worker), control.model_dump_json())
            pipe.get(rt.store.key("proposal", current[0]))
            _, raw = pipe.execute()
        at_kill[current[0]] = Proposal.model_validate_json(raw).status

    monkeypatch.setattr(rt.store, "set_control", set_control)
    outcomes = set()
    for _ in range(25):
        pid = parked(rt, run_jobs)
        current[:] = [pid]
        before = credits(rt)
        approved: list[int] = []
        race(svc, pid, approved)
        run_jobs()
        final = rt.store.proposal(pid).status
        if at_kill[pid] in {"pending", "approved"}:  # the kill came first: nothing may run
            assert final == "halted" and credits(rt) == before, (at_kill[pid], final)
        else:  # the execution had started before the kill: it completes, once
            assert approved and final == "executed" and credits(rt) == before + 1, (at_kill[pid], final)
        outcomes.add(final)
        svc.resume(WORKER, actor="U0MANAGER")
    assert outcomes <= {"halted", "executed"}
