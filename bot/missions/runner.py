"""Run (or resume) one mission: hold its lock, advance its planner, park or close it with a verdict."""

from __future__ import annotations

from typing import Any

from bot.core.defang import trusted
from bot.core.errors import Halted
from bot.core.models import Control, Mission
from bot.core.policy import who_can_decide
from bot.core.runtime import Runtime
from bot.missions import closing, kill_switch, more_info, verdict
from bot.missions.notify import Notifier
from bot.missions.planners.base import Finished, Parked, Planner
from bot.missions.planners.playbook import PlaybookPlanner
from bot.missions.session import Session


def planner_for(rt: Runtime, mission: Mission) -> Planner:
    factory = rt.planner_factory
    if rt.worker(mission.worker).is_playbook or factory is None:
        return PlaybookPlanner()
    return factory(rt, mission)  # type: ignore[operator]


class MissionRunner:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.notify = Notifier(rt)

    def run(self, mission_id: str) -> str:
        """Safe to run twice, even at once: steps have stable keys and every transition is conditional."""
        mission, control = self.rt.store.mission_and_control(mission_id)  # one round trip
        if not mission.is_open:
            return mission.status
        worker = self.rt.worker(mission.worker)
        control = control or Control(autonomy=worker.autonomy)  # never set: the config's default
        if kill_switch.is_halted(self.rt, worker.name, control=control):
            return self.close(
                mission,
                status="cancelled" if mission.status == "queued" else "halted",
                text=kill_switch.halted_verdict(self.rt, worker.name),
            )
        if mission.status == more_info.WAITING:
            return mission.status  # nothing to do until the requester answers (or the mission expires)
        # The first run's start and its audit event in one script; a retried run (already running) has none.
        started = self.rt.audit.seal(
            "mission.started", actor=f"worker:{worker.name}", worker=worker.name, mission=mission.id
        )
        mission = self.rt.store.mutate_mission(
            mission_id,
            lambda m: m.model_copy(update={"status": "running"}) if m.is_open else m,
            event=lambda before, _: (self.rt.audit, started) if before.status == "queued" else None,
        )
        question = more_info.question_for(self.rt, mission)
        if question is not None:  # rejected for more information: ask the requester instead of finishing
            return more_info.ask(self.rt, mission, question)
        session = Session(self.rt, mission)
        try:
            result = planner_for(self.rt, mission).advance(session)
        except Halted:
            return self.close(
                session.mission, status="halted", text=kill_switch.halted_verdict(self.rt, mission.worker)
            )
        session.flush()  # a read's event the planner did not observe after (none for the playbook)
        if isinstance(result, Parked):
            return self._park(session.mission, save=result.save)
        assert isinstance(result, Finished)
        proposals = [self.rt.store.proposal(p) for p in self.rt.store.mission(mission_id).proposals]
        # An action nobody decided in time fails its mission (`on_expiry: fail`, also after the owner's
        # window); the planner was told "expired, no decision" and had its say first.
        failed = result.failed or any(p.status == "expired" for p in proposals)
        text = verdict.compose(
            session.mission,
            proposals,
            refusals=session.refusals,
            planner_text=result.verdict,
            failed=failed,
            redactor=self.rt.redactor,
            worker=self.rt.workers.get(mission.worker),
        )
        return self.close(session.mission, status="failed" if failed else "done", text=text)

    def _park(self, mission: Mission, *, save: dict[str, Any] | None = None) -> str:
        worker = self.rt.worker(mission.worker)

        def park(m: Mission) -> Mission:
            if save:  # the planner's progress, saved whatever the status (as `Session.save` would)
                m = m.model_copy(update={"state": {**m.state, **save}})
            # Only a running mission parks: a concurrent kill-run or resume may have closed it already.
            return m.model_copy(update={"status": "awaiting_approval"}) if m.status == "running" else m

        mission = self.rt.store.mutate_mission(mission.id, park)
        if mission.status != "awaiting_approval":
            return mission.status
        deciders = who_can_decide(worker, requester_accounts=self.rt.people.accounts_of(mission.requester))
        approvers = ", ".join(f"@{a}" for a in deciders) or "a backup approver"
        self.notify.status(
            mission,
            trusted(f"✋ {worker.display_name} · mission {mission.id}: awaiting approval by {approvers}"),
        )
        return mission.status

    def close(self, mission: Mission, *, status: str, text: str) -> str:
        """Close once, with its follow-ups (bot/missions/closing.py)."""
        return closing.close(self.rt, mission, status=status, text=text)
