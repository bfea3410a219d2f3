"""Each package's `__init__` names what it offers (`__all__`), and `bot` reads as the product's API. The names
are real, none shadows a submodule, and importing a package loads none of what it offers."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "bot",
    "bot.core",
    "bot.missions",
    "bot.missions.planners",
    "bot.missions.digest",
    "bot.tools",
    "bot.demo",
    "jobs",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_offered_name_is_the_object_its_module_defines_and_no_submodule_is_shadowed(name):
    package = importlib.import_module(name)
    offered = package.__all__
    assert offered and len(set(offered)) == len(offered)
    submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
    assert not submodules & set(offered), "a name would depend on what was imported first"
    for attribute in offered:
        value = getattr(package, attribute)
        defined_in = importlib.import_module(value.__module__)
        assert getattr(defined_in, attribute) is value, attribute
        assert value.__module__.startswith(name.split(".")[0] + "."), attribute


def test_the_product_api_is_readable_from_bot():
    import bot
    from bot.app import create_runtime
    from bot.core.errors import MissionbotError
    from bot.missions.service import MissionService

    assert bot.create_runtime is create_runtime and bot.MissionService is MissionService
    for name in ("Settings", "Runtime", "Card", "Messenger", "Request", "Proposal", "Planner", "Tool"):
        assert name in bot.__all__
    errors = [getattr(bot, n) for n in bot.__all__ if isinstance(getattr(bot, n), type)]
    assert {e for e in errors if issubclass(e, MissionbotError)} >= {bot.NotAuthorized, bot.AlreadyDecided}


def test_importing_the_packages_loads_nothing_they_offer():
    probe = (
        "import json, sys, bot, bot.core, bot.missions, bot.missions.planners, bot.tools, bot.demo, jobs\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not {m.split(".")[0] for m in loaded} & {"redis", "rq", "pydantic", "jinja2", "langchain_core"}
    assert not {"bot.app", "bot.core.runtime", "bot.missions.service", "jobs.missions"} & loaded
