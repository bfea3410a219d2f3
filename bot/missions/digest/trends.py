"""The digest's trends: the figures of its weeks as series, shared by the sparklines and the chart.

One definition of what is drawn, so the text and the image show the same numbers (`Digest.weeks`,
oldest first).
"""

from __future__ import annotations

from collections.abc import Callable

from bot.missions.digest.model import Digest, WeekStats

BLOCKS = "▁▂▃▄▅▆▇█"
LEVELS = {"shadow": 0, "assisted": 1, "autonomous": 2}  # autonomy as a number to plot


def sparkline(values: list[float | None]) -> str:
    """One block per value, scaled between the series' min and max; a gap (space) where there is none."""
    known = [v for v in values if v is not None]
    if not known:
        return " " * len(values)
    low, high = min(known), max(known)
    span = high - low

    def block(v: float) -> str:
        return BLOCKS[0 if span == 0 else round((v - low) / span * (len(BLOCKS) - 1))]

    return "".join(" " if v is None else block(v) for v in values)


def _minutes(value: float | None) -> float | None:
    return None if value is None else value / 60


# (label, the week's value, how the latest value reads): every row of the text's trends and the chart.
SERIES: list[tuple[str, Callable[[WeekStats], float | None], Callable[[float], str]]] = [
    ("Missions", lambda w: w.missions, lambda v: f"{v:.0f}"),
    ("Acceptance", lambda w: w.acceptance_rate, lambda v: f"{v:.0%}"),
    ("Override", lambda w: w.override_rate, lambda v: f"{v:.0%}"),
    ("Decision p50 (min)", lambda w: _minutes(w.p50_seconds), lambda v: f"{v:.0f} min"),
    ("Decision p90 (min)", lambda w: _minutes(w.p90_seconds), lambda v: f"{v:.0f} min"),
    ("SLA breaches", lambda w: w.sla_breaches, lambda v: f"{v:.0f}"),
    ("Expiries", lambda w: w.expiries, lambda v: f"{v:.0f}"),
    ("Requesters", lambda w: w.requesters, lambda v: f"{v:.0f}"),
    ("Autonomy", lambda w: LEVELS.get(w.autonomy), lambda v: list(LEVELS)[int(v)]),
]


def weeks_of(d: Digest) -> list[WeekStats]:
    """The weeks to draw, oldest first (a digest built by hand may carry only its two weeks)."""
    return d.weeks or [d.previous, d.current]


def rows(d: Digest) -> list[str]:
    """`Missions ▁▁▁▁▁▁▂█ 10 (8 weeks)`: one row per series, the latest value after it."""
    weeks = weeks_of(d)
    out = []
    for label, value, shown in SERIES:
        values = [value(w) for w in weeks]
        last = values[-1]
        out.append(f"{label} trend: {sparkline(values)} {'n/a' if last is None else shown(last)}")
    return out
