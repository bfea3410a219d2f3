"""The composition root's process hooks (bot/app.py); the runtime it builds is exercised everywhere else."""

from __future__ import annotations

from bot import app
from bot.core import templating
from bot.core.models import Request
from bot.missions.runner import MissionRunner
from bot.missions.service import MissionService


def test_warm_compiles_every_template_a_playbook_mission_renders(rt):
    """What `missionbot worker` does before RQ forks a horse per job: a horse then compiles nothing."""
    templating._compiled.cache_clear()
    assert app.warm(rt) > 10
    compiled = templating._compiled.cache_info().misses
    ask = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    mission = MissionService(rt).create(ask).mission
    assert MissionRunner(rt).run(mission.id) == "awaiting_approval"
    assert templating._compiled.cache_info().misses == compiled
