"""The verdict of a mission stopped by an internal error claims nothing that does not happen."""

from __future__ import annotations

from types import SimpleNamespace

from bot.core.models import Request
from bot.missions.service import MissionService
from jobs.missions import on_mission_failure


def test_the_last_failure_closes_the_mission_pointing_at_the_log_not_at_an_alert(rt):
    mission = (
        MissionService(rt)
        .submit(
            Request(
                platform="console",
                conversation="C0SUPPORT",
                requester="U0A",
                text="support-triage: ESC-1042 credit please",
            )
        )
        .mission
    )
    job = SimpleNamespace(retries_left=0, args=[mission.id])
    on_mission_failure(job, rt.redis, RuntimeError, RuntimeError("boom"), None)
    verdict = rt.store.mission(mission.id).verdict
    assert "An internal error stopped this mission (RuntimeError)" in verdict
    assert "alerted" not in verdict and "log under this mission id" in verdict
