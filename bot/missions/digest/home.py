"""The manager's App Home panels: for each worker a person owns, this week's figures and trends, the
error-budget state, the promotion suggestion (or why there is none) and the last chart posted.

A panel is platform-neutral data (`Panel`); bot/platforms/slack/app_home.py lays it out. The chart is the
file the weekly digest uploaded on that platform (`send.py` remembers its id per worker), so opening the
Home tab uploads nothing.
"""

from __future__ import annotations

from typing import TypedDict

from bot.core.runtime import Runtime
from bot.missions.digest import render, trends
from bot.missions.digest.chart import alt_text
from bot.missions.digest.compute import compute, up_to_now
from bot.missions.digest.model import Digest


class Panel(TypedDict):
    title: str
    lines: list[str]
    chart_file: str | None  # the platform's id of the last chart posted for the worker
    chart_alt: str


def chart_key(rt: Runtime, worker: str, platform: str) -> str:
    return rt.store.key("digest", "chart", worker, platform)


def remember_chart(rt: Runtime, worker: str, platform: str, file_id: str) -> None:
    rt.redis.set(chart_key(rt, worker, platform), file_id)


def last_chart(rt: Runtime, worker: str, platform: str) -> str | None:
    """The id of the last chart posted for the worker on the platform (the console's: the file's path)."""
    raw = rt.redis.get(chart_key(rt, worker, platform))
    return raw.decode() if raw else None


def owned(rt: Runtime, user: str) -> list[str]:
    """The workers `user` (any of their linked accounts) owns, by name."""
    person = rt.people.accounts_of(user)
    return sorted(name for name, w in rt.workers.items() if w.owner in person)


def panel(rt: Runtime, d: Digest, *, platform: str) -> Panel:
    c, budget = d.current, d.error_budget
    lines = [
        f"This week: {c.missions} missions, acceptance {render.pct(c.acceptance_rate)}, "
        f"override {render.pct(c.override_rate)}, p50 {render.secs(c.p50_seconds)}, "
        f"p90 {render.secs(c.p90_seconds)}, {c.sla_breaches} SLA breaches, {c.expiries} expired",
        f"Error budget: {'SPENT' if budget.exceeded else 'ok'}, {budget.describe()}",
        *(
            f"Suggestion: set `{p.rule}` on {p.tool} ({p.approved} of {p.decisions} approved)"
            for p in d.promotions
        ),
        *(["No promotion is suggested while the error budget is spent."] if budget.exceeded else []),
        f"Autonomy now: {d.autonomy}",
        *trends.rows(d),
    ]
    return Panel(
        title=f"{d.display_name} (you own it)",
        lines=lines,
        chart_file=last_chart(rt, d.worker, platform),
        chart_alt=alt_text(d),
    )


def panels(rt: Runtime, user: str, *, platform: str) -> list[Panel]:
    """One panel per worker `user` owns (none for anyone else), up to now (`up_to_now`)."""
    return [panel(rt, compute(rt, name, end=up_to_now(rt)), platform=platform) for name in owned(rt, user)]
