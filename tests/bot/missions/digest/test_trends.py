"""Sparklines: one Unicode block per week, scaled between the series' min and max."""

from __future__ import annotations

from bot.missions.digest import render
from bot.missions.digest.compute import compute
from bot.missions.digest.trends import BLOCKS, sparkline
from tests.bot.missions.digest.test_compute import END, week  # noqa: F401 (the fixture)


def test_sparkline_scales_between_min_and_max():
    assert sparkline(list(range(8))) == BLOCKS
    assert sparkline([3, 3, 3]) == "▁▁▁"  # flat: no trend to show
    assert sparkline([None, 0, None, 10]) == " ▁ █"  # a week without the figure is a gap
    assert sparkline([None, None]) == "  "


def test_the_text_digest_shows_eight_weeks_per_figure(week):  # noqa: F811
    text = render.text(compute(week, "support-triage", end=END))
    for row in (
        "Trends (8 weeks, oldest first)",
        "Missions trend: ▁▁▁▁▁▁▂█ 10",
        "Acceptance trend:       █▁ 60%",
        "SLA breaches trend: ▁▁▁▁▁▁▁█ 3",
        "Autonomy trend: ▁▁▁▁▁▁▁▁ assisted",
        "Requesters: 1 → (was 1), 0 new, 1 repeat",
        "Missions per channel: C0SUPPORT 10",
        "Approver load (cards decided): U0OWNER1 3 (median 5m); U0OWNER2 3 (median 20m); "
        "U0LEAD 1 (median 2m)",
        "Estimated time saved: 2.0 h (was 0.2 h), an estimate",
    ):
        assert row in text, row
