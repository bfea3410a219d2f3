"""LangChain loads only where an LLM mission runs: the CLI and the job modules start without it.

Each import runs in a fresh interpreter, so modules other tests loaded do not count.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("langchain", "langsmith")  # langchain, langchain_core, langchain_mcp_adapters, ... and its tracer


def loaded_after(module: str) -> list[str]:
    script = (
        f"import sys, json; import {module}; "
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0].startswith({HEAVY!r}))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize("module", ["bot.cli", "jobs.missions", "jobs.actions", "jobs.sweeps"])
def test_importing_leaves_langchain_unloaded(module):
    assert loaded_after(module) == []


def test_the_check_sees_langchain_when_it_is_imported():
    assert "langchain_core" in loaded_after("bot.missions.planners.agent")


def modules_after(script: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"import sys, json; {script}; print(json.dumps(sorted(sys.modules)))"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(json.loads(done.stdout))


def test_serve_loads_its_own_command_and_no_teams_stack():
    """`missionbot serve` imports its command module alone (not the scheduler's, the demo's...), and without
    MICROSOFT_APP_ID builds its server without botbuilder: both are start-up time before the first ack."""
    loaded = modules_after(
        "from bot import cli; cli.command_modules(['serve', '--port', '3000']); import bot.commands.serve_app"
    )
    assert "bot.commands.serve_cmd" in loaded
    assert not {"bot.commands.scheduler_cmd", "bot.commands.demo_cmd", "bot.commands.audit_cmd"} & loaded
    assert not {"botbuilder", "botframework", "handlers.teams", "bot.platforms.teams.endpoint"} & loaded


def test_help_still_lists_every_command():
    from bot import cli

    parser = cli.build_parser()
    names = {n for names in cli.COMMANDS for n in names}
    assert names <= set(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
