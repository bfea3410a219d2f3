#!/usr/bin/env python3
"""The two Quickstart commands: `python3 dev.py demo` and `python3 dev.py test`.

Creates `.venv` beside this file and installs missionbot into it on first use (and again
whenever pyproject.toml or constraints.txt changes), with the pinned versions of constraints.txt
(refreshed by `python3 scripts/lock.py`), then runs the demo or the test suite inside it.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "constraints.txt"  # the versions CI tested; the Dockerfile installs with it too
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def install_digest() -> str:
    """What the installed .venv was made from: a change to either file reinstalls."""
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + LOCK.read_bytes()).hexdigest()


def ensure_env() -> Path:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 the user has
        sys.exit(f"missionbot needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    python = BIN / ("python.exe" if os.name == "nt" else "python")
    if not python.exists():
        print(f"creating {VENV} ...", flush=True)
        venv.create(VENV, with_pip=True)
    stamp = VENV / ".missionbot-installed"
    digest = install_digest()
    if not stamp.exists() or stamp.read_text() != digest:
        print("installing missionbot and its dependencies (first run only) ...", flush=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.check_call([*pip, "-c", str(LOCK), "-e", f"{ROOT}[dev]"], cwd=ROOT)
        stamp.write_text(digest)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "env"}:
        print("usage: python3 dev.py demo [--script] | test [pytest args] | env", file=sys.stderr)
        return 2
    python = ensure_env()
    command, rest = argv[0], argv[1:]
    if command == "demo":
        args = [str(python), "-m", "bot.cli", "demo", *rest]
    elif command == "test":
        args = [str(python), "-m", "pytest", *rest]
    else:
        print(python)
        return 0
    return subprocess.call(args, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
