"""The digest's chart: a golden image (pixel tolerance), its alt text, the CLI, and no matplotlib at start-up.

Regenerate the golden image after a deliberate layout change: `MISSIONBOT_UPDATE_GOLDEN=1 pytest <this>`.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.missions.digest import chart
from bot.missions.digest.model import WeekStats
from tests.bot.commands.test_audit_cmd import cli
from tests.bot.missions.digest.test_render import digest

ROOT = Path(__file__).resolve().parents[4]
GOLDEN = ROOT / "tests" / "fixtures" / "digest_chart.png"
LEVELS = ["assisted", "assisted", "autonomous", "autonomous", "autonomous", "assisted", "assisted", "shadow"]


def eight_weeks():
    weeks = [
        WeekStats(
            missions=10 * i,
            approved=i + 3,
            rejected=2,
            decision_seconds=[60 * i + 30, 600, 3600 - i * 100],
            sla_breaches=i % 3,
            expiries=i % 2,
            requesters=i + 1,
            autonomy=LEVELS[i],
        )
        for i in range(8)
    ]
    return digest().model_copy(update={"weeks": weeks, "current": weeks[-1], "previous": weeks[-2]})


def pixels(png: bytes):
    import matplotlib.image  # noqa: PLC0415

    return matplotlib.image.imread(io.BytesIO(png), format="png")


def test_the_chart_matches_the_golden_image():
    png = chart.render_png(eight_weeks())
    assert png.startswith(b"\x89PNG") and chart.render_png(eight_weeks()) == png  # deterministic
    if os.environ.get("MISSIONBOT_UPDATE_GOLDEN"):
        GOLDEN.write_bytes(png)
    got, want = pixels(png), pixels(GOLDEN.read_bytes())
    assert got.shape == want.shape == (600, 900, 4)  # 900 x 600 px: readable in a 360-500 px preview
    differs = (abs(got - want).max(axis=2) > 0.1).mean()
    assert differs < 0.005, f"{differs:.2%} of the pixels differ from {GOLDEN.name}"


def test_the_alt_text_states_the_key_numbers():
    text = chart.alt_text(eight_weeks())
    expected = [
        "Chart of Support Triage over the last 8 weeks to 2026-11-23",
        "missions 70 (was 0)",
        "acceptance 83% (was 60%)",
        "decision p90 (min) 48 min (was 60 min)",
        "autonomy shadow (was assisted)",
    ]
    assert [part for part in expected if part not in text] == [], text


def test_the_cli_writes_the_chart_and_prints_its_path(rt, settings, tmp_path):
    out = tmp_path / "out.png"
    done = cli("digest", "support-triage", "--weeks", "8", "--chart", str(out), timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"chart: {out}" in done.stdout and "alt text: Chart of Support Triage" in done.stdout
    assert pixels(out.read_bytes()).shape == (600, 900, 4)
    bad = cli("digest", "support-triage", "--weeks", "1")
    assert bad.returncode == 2 and "2 to 52 weeks" in bad.stdout
    unwritable = cli("digest", "support-triage", "--chart", str(tmp_path / "missing" / "out.png"))
    assert unwritable.returncode == 2 and "cannot write the chart" in unwritable.stdout


@pytest.mark.parametrize("module", ["bot.cli", "bot.commands.serve_app", "jobs.sweeps"])
def test_matplotlib_is_not_loaded_at_start_up(module):
    script = f"import sys, json, {module}; print(json.dumps('matplotlib' in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert json.loads(done.stdout) is False, done.stderr
