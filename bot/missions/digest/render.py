"""The digest for people: plain text (shell), Block Kit (Slack) and an Adaptive Card 1.5 body (Teams).

All three are built from the same lines, so the numbers read the same everywhere. Slack: a section per
heading (each clipped to 3000 characters), the sparkline rows in a code block, the footnote (how each
figure is counted) as context; at most 50 blocks. Teams: a FactSet per heading, the sparklines in
monospace, the footnote in small subtle text.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.missions.digest import trends
from bot.missions.digest.adoption import FORMULAS as ADOPTION_FORMULAS
from bot.missions.digest.model import FORMULAS, Digest, WeekStats
from bot.missions.trust import BUDGET_FORMULA

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
MAX_BLOCKS_CHARS = 12_000  # Slack's undocumented cumulative limit sits near 13k
MAX_CONTEXT_ELEMENTS = 10
MAX_CARD_CHARS = 20_000  # the card's sections; Teams' ~28 KB message also carries the envelope and image
TRENDS = "Trends"  # the sparkline rows' heading starts with it
FOOTNOTE = "How these are counted"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def secs(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f}s" if value < 90 else f"{value / 60:.0f}m" if value < 5400 else f"{value / 3600:.1f}h"


def _arrow(now: float | None, before: float | None) -> str:
    if now is None or before is None:
        return ""
    return " ↑" if now > before else " ↓" if now < before else " →"


def _vs(now: float | None, before: float | None, shown: str, was: str) -> str:
    return f"{shown}{_arrow(now, before)} (was {was})"


# (label, url or None) -> the label as a link in the target format.
Linker = Callable[[str, str | None], str]


def plain_link(label: str, url: str | None) -> str:
    return f"{label} ({url})" if url else label


def mrkdwn_link(label: str, url: str | None) -> str:
    # Slack reads &, < and > in mrkdwn as escapes, the URL of a <url|label> link included.
    return f"<{url.replace('&', '&amp;')}|{label}>" if url else label


def markdown_link(label: str, url: str | None) -> str:
    """Adaptive Cards (Teams) render Markdown links in TextBlock text and in FactSet values."""
    return f"[{label}]({url})" if url else label


def sections(d: Digest, *, link: Linker = plain_link) -> list[tuple[str, list[str]]]:
    """(heading, lines) pairs: the digest's content, independent of any platform but for `link`."""
    c, p = d.current, d.previous

    def count(name: str) -> str:
        now, was = getattr(c, name), getattr(p, name)
        return _vs(now, was, str(now), str(was))

    def rate(name: str) -> str:
        now, was = getattr(c, name), getattr(p, name)
        return _vs(now, was, pct(now), pct(was))

    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(c.verdicts.items())) or "none"
    out = [
        (
            "Volume",
            [f"Missions: {count('missions')}", f"Outcomes: {outcomes}", f"Proposals: {count('proposals')}"],
        ),
        (
            "Decisions",
            [
                f"Acceptance: {rate('acceptance_rate')} ({c.approved} approved of {c.decided} decided)",
                f"Override: {rate('override_rate')} "
                f"({c.rejected} rejected, {c.edited} approved with changes, "
                f"{c.undone} undone after executing)",
                f"Escalation: {rate('escalation_rate')} "
                f"({c.escalated} of {c.waited_for_human} waited past the target)",
                f"Time to decision: p50 {secs(c.p50_seconds)}{_arrow(c.p50_seconds, p.p50_seconds)}, "
                f"p90 {secs(c.p90_seconds)}{_arrow(c.p90_seconds, p.p90_seconds)} "
                f"(was p50 {secs(p.p50_seconds)}, p90 {secs(p.p90_seconds)})",
                f"SLA breaches: {count('sla_breaches')}",
                f"Expired without a decision: {count('expiries')}",
                f"Auto-approved by rule: {count('auto_approved')}",
                f"Questions (asked for more information): {count('questions')}",
                f"Undo decisions: {c.undo_approved} approved, {c.undo_rejected} rejected",
            ],
        ),
    ]
    out.append((f"{TRENDS} ({len(trends.weeks_of(d))} weeks, oldest first)", trends.rows(d)))
    out.append(("Adoption", adoption(d)))
    if d.top_reasons:
        out.append(
            (
                "Top rejection reasons",
                [
                    f"{r.code}: {r.count} (e.g. {link(f'mission {r.example_mission}', r.example_link)})"
                    for r in d.top_reasons
                ],
            )
        )
    if c.shadow_approved + c.shadow_rejected:
        out.append(
            (
                "Shadow mode",
                [
                    f"Agreement: {rate('shadow_agreement')} ({c.shadow_approved} would approve, "
                    f"{c.shadow_edited} of them with changes, {c.shadow_rejected} would reject)"
                ],
            )
        )
    budget = d.error_budget
    out.append(
        (
            "Cost and budgets",
            [
                f"Tokens: {d.tokens:,} of {d.token_budget:,} ({pct(d.budget_used)} of the weekly budget)",
                f"Error budget: {'EXCEEDED' if budget.exceeded else 'ok'}: "
                f"{budget.rejected} of {budget.decided} "
                f"rejected in {budget.window_days} days ({budget.rate:.0%}, limit {budget.limit:.0%})"
                f"{f', {budget.auto_approved} of them auto-approved' if budget.auto_approved else ''}",
                f"Autonomy now: {d.autonomy}",
            ],
        )
    )
    stamps = [f"Approvals under 5 s after the card appeared: {c.fast_approvals}"]
    stamps += [f"@{a} approved every one of more than 20 proposals" for a in d.rubber_stamp_approvers]
    out.append(("Rubber-stamp signals", stamps))
    if budget.exceeded and not d.promotions:
        out.append(("Suggestion", ["No promotion is suggested while the error budget is spent."]))
    for s in d.promotions:
        out.append(
            (
                f"Suggestion: promote {s.tool}",
                [
                    f"{s.approved} of {s.decisions} decisions approved in {d.promotion_days} days "
                    f"({s.acceptance:.0%}).",
                    f"If you agree, set `{s.rule}` on {s.tool} and turn autonomy to autonomous. "
                    "Nothing changes until you do.",
                ],
            )
        )
    formulas = [*FORMULAS.items(), ("Error budget", BUDGET_FORMULA), *ADOPTION_FORMULAS.items()]
    out.append((FOOTNOTE, [f"{name} = {formula}" for name, formula in formulas]))
    return out


def adoption(d: Digest) -> list[str]:
    c, p = d.current, d.previous
    channels = ", ".join(f"{name or 'unknown'} {n}" for name, n in d.channels.items()) or "none"
    load = "; ".join(f"{a.approver} {a.decided} (median {secs(a.median_seconds)})" for a in d.approvers)
    delegated = "; ".join(f"@{to} for @{whom} {n}" for to, whom, n in d.delegated)
    return [
        f"Requesters: {c.requesters}{_arrow(c.requesters, p.requesters)} (was {p.requesters}), "
        f"{c.new_requesters} new, {c.repeat_requesters} repeat",
        f"Missions per channel: {channels}",
        f"Approver load (cards decided): {load or 'none'}",
        *([f"Decided on behalf of others (delegations used): {delegated}"] if delegated else []),
        f"Estimated time saved: {c.minutes_saved / 60:.1f} h (was {p.minutes_saved / 60:.1f} h), "
        "an estimate from the configured minutes per mission, not a measurement",
    ]


def title(d: Digest) -> str:
    return f"Weekly digest: {d.display_name}, {d.start:%Y-%m-%d} to {d.end:%Y-%m-%d}"


def text(d: Digest) -> str:
    lines = [title(d)]
    for heading, body in sections(d):
        lines += ["", heading, *[f"  {line}" for line in body]]
    return "\n".join(lines)


def _clip(value: str, limit: int = SECTION_LIMIT) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def blocks(d: Digest) -> list[dict[str, Any]]:
    """Block Kit within Slack's limits: 50 blocks, 3000 characters a section, ~12k characters in all."""
    out: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(title(d), 150)}}
    ]
    size, note = len(json.dumps(out)), "Arrows compare with the week before."
    for heading, body in sections(d, link=mrkdwn_link):
        block = _slack_block(heading, body)
        size += len(json.dumps(block, ensure_ascii=False)) + 1
        if len(out) >= MAX_BLOCKS - 1 or size > MAX_BLOCKS_CHARS:
            note = f"More in `missionbot digest {d.worker}`. " + note  # the rest would break Slack's limits
            break
        out.append(block)
    out.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    return out


def _slack_block(heading: str, body: list[str]) -> dict[str, Any]:
    if heading.startswith(TRENDS):  # monospace keeps the sparklines' columns aligned
        text = f"*{heading}*\n```" + "\n".join(body) + "```"
    elif heading == FOOTNOTE:  # small print under the figures; at most 10 elements of 3000 characters
        per = -(-len(body) // (MAX_CONTEXT_ELEMENTS - 1))
        parts = ["\n".join(body[i : i + per]) for i in range(0, len(body), per)]
        elements = [f"*{heading}*", *parts]
        return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(e)} for e in elements]}
    else:
        text = f"*{heading}*\n" + "\n".join(f"• {b}" for b in body)
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text)}}


def adaptive_card(d: Digest) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": title(d), "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    size = 0
    for heading, lines in sections(d, link=markdown_link):
        part = _teams_part(heading, lines)
        size += len(json.dumps(part, ensure_ascii=False))
        if size > MAX_CARD_CHARS:  # Teams refuses a message past ~28 KB
            more = f"More in `missionbot digest {d.worker}`."
            body.append({"type": "TextBlock", "text": more, "isSubtle": True, "wrap": True})
            break
        body += part
    return {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
        "msteams": {"width": "Full"},
    }


def _teams_part(heading: str, lines: list[str]) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": heading, "weight": "Bolder", "separator": True, "wrap": True}
    ]
    if heading.startswith(TRENDS):
        body.append({"type": "TextBlock", "text": "\n\n".join(lines), "fontType": "Monospace", "wrap": True})
    elif heading == FOOTNOTE:
        body.append(
            {
                "type": "TextBlock",
                "text": "\n\n".join(lines),
                "size": "Small",
                "isSubtle": True,
                "wrap": True,
            }
        )
    else:
        body.append({"type": "FactSet", "facts": [_fact(line) for line in lines]})
    return body


def _fact(line: str) -> dict[str, str]:
    name, sep, value = line.partition(": ")
    return {"title": name, "value": value} if sep else {"title": "", "value": line}


def stats_line(w: WeekStats) -> str:
    return f"{w.missions} missions, {w.proposals} proposals, acceptance {pct(w.acceptance_rate)}"
