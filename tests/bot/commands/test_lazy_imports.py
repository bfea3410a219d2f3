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
