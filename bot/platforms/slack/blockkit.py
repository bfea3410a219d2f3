"""Block Kit rendering of approval cards; the text objects and buttons the Slack views share are in
`buttons.py` (and importable from here, as its callers do).

The reject-reason modal is in `modals.py`, the App Home tab in `app_home.py`.

Every payload stays inside Slack's limits by construction (50 blocks a message, 100 a view,
3000 characters a section, 2000 a field, and well under the undocumented aggregate
`msg_blocks_too_long` size): long values are truncated here with a note, never sent to be
rejected. Every piece of text that came from a tool, the model or a user is escaped.
"""

from __future__ import annotations

import json
from typing import Any

from bot.core.cards import Card
from bot.core.messages import PLATFORM_NAMES, reason_words
from bot.platforms.slack.buttons import (
    ACTION_APPROVE,
    ACTION_APPROVE_EDIT,
    ACTION_REJECT,
    ACTION_UNDO,
    decision_buttons,
    mrkdwn_text,
    undo_button,
)
from bot.platforms.slack.mrkdwn import escape, link_core_mentions, mention, slack_date, split_text, truncate

__all__ = [
    "ACTION_APPROVE",
    "ACTION_APPROVE_EDIT",
    "ACTION_REJECT",
    "ACTION_UNDO",
    "args_summary",
    "card_blocks",
    "decision_line",
    "escape",
    "mention",
    "split_text",
]

SECTION_CHARS = 3000
FIELD_CHARS = 2000
HEADER_CHARS = 150
FIELDS_PER_SECTION = 10
MAX_FIELDS = 20
# Slack rejects a message whose blocks add up to roughly 12-13k characters (undocumented); a card
# aims well below, measured as compact JSON, which is stricter than counting the text alone.
CARD_JSON_BUDGET = 10_000
_FIELDS_BUDGET = 6_000  # characters shared by all argument values at full scale


def _json_size(blocks: list[dict[str, Any]]) -> int:
    return len(json.dumps(blocks, separators=(",", ":"), ensure_ascii=False))


def _field(name: str, value: str, cap: int) -> dict[str, Any]:
    label = f"*{truncate(escape(name), 100)}*\n"
    body = truncate(escape(value), max(cap - len(label), 40)) if value else "_(empty)_"
    return mrkdwn_text(label + body)


def _field_sections(card: Card, scale: float) -> list[dict[str, Any]]:
    shown = card.facts[:MAX_FIELDS]
    if not shown:
        return [{"type": "section", "text": mrkdwn_text("_No arguments._")}]
    cap = max(int(min(FIELD_CHARS, _FIELDS_BUDGET // len(shown)) * scale), 60)
    fields = [_field(name, value, cap) for name, value in shown]  # labelled: "Account ID", not account_id
    sections = [
        {"type": "section", "fields": fields[i : i + FIELDS_PER_SECTION]}
        for i in range(0, len(fields), FIELDS_PER_SECTION)
    ]
    if hidden := len(card.fields) - len(shown):
        sections.append(
            {"type": "context", "elements": [mrkdwn_text(f"_…and {hidden} more arguments not shown._")]}
        )
    return sections


def _reason(card: Card) -> str:
    if not card.reason_code and not card.comment:
        return ""
    parts = [escape(reason_words(card.reason_code))] + (
        [truncate(escape(card.comment), 1000)] if card.comment else []
    )
    return f" (reason: {': '.join(p for p in parts if p)})"


def decision_line(card: Card) -> str:
    """Who decided, when, where and why, for a card that is no longer open."""
    who = mention(card.decided_by) if card.decided_by else "someone"
    when = f" at {slack_date(card.decided_at, card.when(card.decided_at))}" if card.decided_at else ""
    where = f" on {PLATFORM_NAMES.get(card.decided_on, escape(card.decided_on))}" if card.decided_on else ""
    if card.status in ("approved", "executing", "executed", "failed"):
        line = (
            f"✅ Auto-approved by rule {truncate(escape(card.rule or 'auto'), 300)}{when}"
            if card.decided_by == "auto"
            else f"✅ Approved by {who}{when}{where}"
        )
        return line + {
            "executing": " · executing",
            "executed": " · executed",
            "failed": " · ⚠️ execution failed",
        }.get(card.status, "")
    if card.status == "rejected":
        return f"✋ Rejected by {who}{when}{where}{_reason(card)}"
    if card.status in ("shadow_approved", "shadow_rejected"):
        verb = "approve" if card.status == "shadow_approved" else "reject"
        return f"👥 Shadow: {who} would {verb}{when}{where}{_reason(card)}; nothing was run"
    if card.status == "halted" and card.halted_by:
        return f"🛑 Halted by {mention(card.halted_by)}: the kill switch is pulled; nothing was run"
    return {"expired": "⌛ Expired, no decision", "halted": "🛑 Halted: the kill switch is pulled"}.get(
        card.status, escape(card.status_line)
    )


def _headline(card: Card) -> str:
    # Escape the words (they may quote a reason), then turn the core's `@U…` markers into mentions.
    return link_core_mentions(escape(card.headline()))


def _context(card: Card) -> dict[str, Any]:
    parts = [f"*{escape(card.worker_display)}*"]
    if card.requester:
        parts.append(f"asked by {mention(card.requester)}")
    parts.append(f"mission `{escape(card.mission_id)}`")
    if card.thread_link:
        parts.append(f"<{escape(card.thread_link)}|open the request's thread>")
    if card.shadow:
        parts.append("shadow mode: nothing runs whatever you choose")
    return {"type": "context", "elements": [mrkdwn_text(" · ".join(parts))]}


def _card_blocks(card: Card, scale: float) -> list[dict[str, Any]]:
    why = truncate(escape(card.rationale), max(int((SECTION_CHARS - 10) * scale), 100)) or "_none given_"
    action = truncate(escape(card.action), max(int(500 * scale), 60))
    if card.description:  # the tool's name too: what an operator greps for in the audit
        action += f" (`{truncate(escape(card.tool), 100)}`)"
    blocks = [
        {"type": "section", "text": mrkdwn_text(f"*{truncate(_headline(card), 500)}*\n{action}")},
        _context(card),
        *_field_sections(card, scale),
        {"type": "section", "text": mrkdwn_text(f"*Why*\n{why}")},
    ]
    if card.open:  # why this person is asked: only while they can answer
        blocks.insert(
            -1, {"type": "context", "elements": [mrkdwn_text(truncate(escape(card.rule_text), 500))]}
        )
    if card.insights:  # the preview and the precedent, right under the why
        blocks.append({"type": "section", "text": mrkdwn_text(_insights(card, scale))})
    if card.context:
        blocks.append(_context_section(card, scale))
    blocks.append(
        decision_buttons(card)
        if card.open
        else {"type": "context", "elements": [mrkdwn_text(decision_line(card))]}
    )
    if notes := _notes(card):
        blocks.append({"type": "context", "elements": [mrkdwn_text(note) for note in notes]})
    if card.undo_tool and card.undo_until:
        blocks.append(undo_button(card))
    return blocks


def _insights(card: Card, scale: float) -> str:
    """Each precedent's mission as `<url|M-…>`; a line too long for its share of the section loses its
    links rather than being cut inside one."""
    cap = max(int((SECTION_CHARS - 10) * scale), 100) // len(card.insights)
    linked = card.insight_lines(text=escape, link=_mission_link)
    plain = card.insight_lines(text=escape)
    return "\n".join(
        line if len(line) <= cap else truncate(flat, cap) for line, flat in zip(linked, plain, strict=True)
    )


def _mission_link(mission: str, url: str | None) -> str:
    return f"<{escape(url)}|{escape(mission)}>" if url else f"`{escape(mission)}`"


def _context_section(card: Card, scale: float) -> dict[str, Any]:
    """What the requester added (quoted, escaped): the approver sees the answer to their question."""
    cap = max(int((SECTION_CHARS - 60) * scale), 100)
    quoted = "\n".join(f"> {line}" for entry in card.context for line in escape(entry).splitlines() or [""])
    return {"type": "section", "text": mrkdwn_text(f"*Added by the requester*\n{truncate(quoted, cap)}")}


def _notes(card: Card) -> list[str]:
    """Escalation and undo notes the core adds under the status (its `@U…` markers become mentions)."""
    notes = [link_core_mentions(truncate(escape(card.escalation_note), 1000))] if card.escalation_note else []
    if card.progress:
        notes.append(link_core_mentions(truncate(escape(card.progress), 1000)))
    if card.undo_tool and card.undo_until:
        notes.append(
            f"↩️ Can be undone with `{truncate(escape(card.undo_tool), 100)}` "
            f"until {slack_date(card.undo_until, card.when(card.undo_until))}"
        )
    return notes


def card_blocks(card: Card) -> list[dict[str, Any]]:
    """The card as message blocks; shrinks long values until the whole fits Slack's aggregate limit."""
    for scale in (1.0, 0.5, 0.25, 0.1, 0.05):
        blocks = _card_blocks(card, scale)
        if _json_size(blocks) <= CARD_JSON_BUDGET:
            break
    return blocks


def headline_of(card: Card) -> str:
    """The card's state and action in words ("Approval needed · Issue a service credit"), unescaped: for the
    modal and the App Home, which show no facts block of their own."""
    return f"{card.headline()} · {card.action}"


def args_summary(card: Card, *, limit: int) -> str:
    """The arguments on one line as the card labels them (escaped, cut), for the modal and the App Home."""
    args = " · ".join(f"{name}: {value}" for name, value in card.fields)
    return truncate(escape(args), limit) if args else "_no arguments_"
