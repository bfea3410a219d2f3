"""A real `missionbot worker` with MISSIONBOT_LOG_FORMAT=json: every line it writes is one JSON object,
and every line about the mission's job, the work horse's included, carries the mission id."""

from __future__ import annotations

import json

from bot.core.models import Request
from bot.missions.service import MissionService
from tests.support import crashkit


def test_a_mission_job_logs_json_lines_that_carry_its_mission_id(rt, fleet, tmp_path):
    mission_id = (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042"))
        .mission.id
    )
    worker = fleet.start(
        "worker",
        "worker",
        "--queue",
        "missions",
        "--burst",
        config_dir=crashkit.configs(tmp_path, builtin=True),
        MISSIONBOT_LOG_FORMAT="json",
        MISSIONBOT_LOG_LEVEL="DEBUG",  # the worker's per-job lines
    )
    assert worker.wait(timeout=120) == 0
    assert rt.store.mission(mission_id).status == "awaiting_approval"
    lines = [json.loads(line) for line in fleet.log("worker").splitlines()]  # each line parses
    assert lines and all(line["role"] == "worker" for line in lines)
    about_the_job = [line for line in lines if "job_id" in line]
    job_lines = [line["message"] for line in about_the_job if line["logger"] == "bot.core.rq_worker"]
    assert job_lines[0].endswith("(jobs.missions.run_mission) started") and job_lines[-1].endswith("ended")
    assert all(line["mission_id"] == mission_id for line in about_the_job)
    assert all(line["worker_id"] == "support-triage" for line in about_the_job)
    from_the_horse = [line for line in lines if line["pid"] != worker.pid]
    assert any(line["message"].startswith(f"mission {mission_id} ran") for line in from_the_horse)
    assert all(line.get("mission_id") == mission_id for line in from_the_horse)
