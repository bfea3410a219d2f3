"""Every benchmark script still imports and still takes `--json`.

Nothing else runs the benchmarks in CI, so a module split elsewhere can break one silently (a split moved
`BuiltinIntegration` to `bot.core.config.tools` and five scripts stopped importing).
"""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import benchmarks

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))
# The scripts are the modules that run as `python -m`; the rest (`costs`) are their shared parts.
SCRIPTS = [name for name in MODULES if "__main__" in (ROOT / "benchmarks" / f"{name}.py").read_text()]


def test_the_scripts_are_found() -> None:
    assert {"missions", "slack_ack", "startup", "mcp_calls"} <= set(SCRIPTS)
    assert "costs" in set(MODULES) - set(SCRIPTS)


@pytest.mark.parametrize("name", MODULES)
def test_module_imports(name: str) -> None:
    importlib.import_module(f"benchmarks.{name}")


@pytest.mark.parametrize("name", SCRIPTS)
def test_script_takes_json(name: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{name}", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "--json" in out.stdout
