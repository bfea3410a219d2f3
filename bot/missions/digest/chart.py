"""The digest's chart: a PNG of the last weeks' trends (the same `trends.SERIES` the sparklines draw).

matplotlib is imported when a chart is drawn, never at start-up (serve must start in under 1.5 s), and
with the Agg backend: no display. The image is deterministic for a given digest (bundled DejaVu Sans,
fixed size and DPI, no timestamp in the PNG), so a golden-image test can guard its layout. 900 x 600 px
with 13 pt text stays readable in Slack's and Teams' previews (about 360-500 px wide).
"""

from __future__ import annotations

import io
from datetime import timedelta

from bot.missions.digest.model import Digest
from bot.missions.digest.trends import LEVELS, SERIES, weeks_of

WIDTH, HEIGHT, DPI = 9, 6, 100  # inches, dots per inch: 900 x 600 px
_COLOURS = ("#1f77b4", "#ff7f0e")  # the first and second line of every panel: blue, orange
_PANELS = [  # (title, the two series drawn, as a percentage?)
    ("Missions (blue), requesters (orange)", ("Missions", "Requesters"), False),
    ("Acceptance (blue), override (orange), %", ("Acceptance", "Override"), True),
    ("Time to decision, min: p50 (blue), p90 (orange)", ("Decision p50 (min)", "Decision p90 (min)"), False),
    ("SLA breaches (blue), expiries (orange)", ("SLA breaches", "Expiries"), False),
]


def alt_text(d: Digest) -> str:
    """What the chart shows, in words: each figure this week, and in the first week the chart covers."""
    weeks = weeks_of(d)
    parts = []
    for label, value, shown in SERIES:
        first, last = value(weeks[0]), value(weeks[-1])
        now = "n/a" if last is None else shown(last)
        was = "n/a" if first is None else shown(first)
        parts.append(f"{label.lower()} {now} (was {was})")
    return (
        f"Chart of {d.display_name} over the last {len(weeks)} weeks to {d.end:%Y-%m-%d}, this week "
        f"against the first of them: " + "; ".join(parts) + "."
    )


def render_png(d: Digest) -> bytes:
    import matplotlib  # noqa: PLC0415 (lazy: a chart is rare, start-up is not)

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure  # noqa: PLC0415

    weeks = weeks_of(d)
    n = len(weeks)
    starts = [f"{d.end - timedelta(days=7 * (n - i)):%d %b}" for i in range(n)]  # each week's first day
    sparse = [label if (n - 1 - i) % 2 == 0 else "" for i, label in enumerate(starts)]
    values = {label: [value(w) for w in weeks] for label, value, _ in SERIES}
    x = list(range(n))
    with matplotlib.rc_context({"font.family": "DejaVu Sans", "font.size": 11, "axes.titlesize": 12}):
        fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
        fig.suptitle(f"{d.display_name}: last {n} weeks to {d.end:%d %b %Y}", fontsize=15, fontweight="bold")
        grid = fig.add_gridspec(3, 2, height_ratios=[3, 3, 1.6], hspace=0.75, wspace=0.2)
        grid.update(left=0.14, right=0.98, top=0.88, bottom=0.07)
        for k, (heading, series, percent) in enumerate(_PANELS):
            ax = fig.add_subplot(grid[k // 2, k % 2])
            for name, colour in zip(series, _COLOURS, strict=True):
                ys = [float("nan") if v is None else v * 100 if percent else v for v in values[name]]
                ax.plot(x, ys, marker="o", linewidth=2.2, color=colour)
            ax.set_title(heading, loc="left")
            ax.set_xticks(x, sparse)
            ax.set_ylim(bottom=0, top=100 if percent else None)
            ax.grid(alpha=0.3)
        level = fig.add_subplot(grid[2, :])
        levels = [float("nan") if v is None else v for v in values["Autonomy"]]
        level.step(x, levels, where="mid", linewidth=3, color="#2ca02c")
        level.set_yticks(list(LEVELS.values()), list(LEVELS))
        level.set_ylim(-0.4, 2.4)
        level.set_xticks(x, starts)
        level.set_title("Autonomy at each week's end (weeks starting)", loc="left")
        level.grid(alpha=0.3)
        out = io.BytesIO()
        # zlib level 1: a PNG ~7% larger (102 vs 96 KB), encoded faster; no version stamp in it.
        fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 1})
    return out.getvalue()
