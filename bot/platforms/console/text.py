"""Plain-text rendering of cards for the console shell."""

from __future__ import annotations

from bot.core.cards import Card


def render_card(card: Card, *, number: int | None = None) -> str:
    label = f"#{number} " if number is not None else ""
    lines = [f"┌ {label}{card.title}  [{card.worker_display}, mission {card.mission_id}]"]
    lines += [f"│ {name}: {value}" for name, value in card.fields]
    lines.append(f"│ tier: {card.tier}" + (f"  rule: {card.rule}" if card.rule else ""))
    if card.rationale:
        lines.append(f"│ why: {card.rationale}")
    lines += [f"│ added by the requester: {entry}" for entry in card.context]
    if card.open:
        hint = f"approve {number} | reject {number} <reason>" if number is not None else "approve | reject"
        lines.append(f"│ [1] Approve  [2] Reject ({', '.join(card.reason_codes)})  ->  {hint}")
    else:
        lines.append(
            f"│ {card.status_line}"
            + (f" by {card.decided_by}" if card.decided_by else "")
            + (f" on {card.decided_on}" if card.decided_on else "")
            + (f" ({card.reason_code})" if card.reason_code else "")
            + (f": {card.comment}" if card.comment else "")
        )
    if card.escalation_note:
        lines.append(f"│ {card.escalation_note}")
    if card.progress:
        lines.append(f"│ {card.progress}")
    if card.undo_tool and card.undo_until:
        hint = f"/undo {number}" if number is not None else "undo"
        lines.append(f"│ [Undo] ({card.undo_tool}, until {card.undo_until:%Y-%m-%d %H:%M} UTC)  ->  {hint}")
    lines.append("└")
    return "\n".join(lines)
