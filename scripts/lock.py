"""Refresh `constraints.txt`, the pinned versions that dev.py, .ci/run and deploy/Dockerfile install with.

Run from the repo root after changing a dependency in pyproject.toml (or to take newer releases):

    python3 scripts/lock.py            # fresh venv in a temp dir, `pip install .[dev]`, freeze the result

The venv is new, so the pins are what pip resolves today for pyproject.toml alone, not whatever an old
.venv has accumulated. missionbot itself is left out (it is installed from the work tree).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "constraints.txt"
EXTRAS = "dev,otel"  # the test and lint tools and the tracing extra: installed with the same pins
HEADER = """\
# Pinned versions for missionbot[{extras}] on Python {python}: what a fresh venv resolved.
# Installed with `pip install -c constraints.txt ...` by dev.py, .ci/run (through dev.py) and
# deploy/Dockerfile. Refresh: `python3 scripts/lock.py` (README: "Refreshing the lock").
"""


def freeze(*, extras: str) -> list[str]:
    """The `pip freeze` lines of a fresh venv holding missionbot[extras] (missionbot itself excluded)."""
    with tempfile.TemporaryDirectory(prefix="missionbot-lock-") as tmp:
        venv.create(tmp, with_pip=True)
        python = str(Path(tmp) / "bin" / "python")
        pip = [python, "-m", "pip", "--disable-pip-version-check"]
        subprocess.check_call([*pip, "install", "--quiet", f"{ROOT}[{extras}]"], cwd=ROOT)
        out = subprocess.check_output([*pip, "freeze", "--exclude", "missionbot"], cwd=ROOT, text=True)
    return sorted((line for line in out.splitlines() if line and not line.startswith("#")), key=str.lower)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=LOCK, help="where to write (default: constraints.txt)")
    args = parser.parse_args(argv)
    pins = freeze(extras=EXTRAS)
    python = ".".join(map(str, sys.version_info[:2]))
    args.output.write_text(HEADER.format(extras=EXTRAS, python=python) + "\n".join(pins) + "\n")
    print(f"wrote {len(pins)} pins to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
