"""Plain-text rendering of cards for the console shell: the neutral card, no platform markup."""

from __future__ import annotations

from bot.core.cards import Card
from bot.core.messages import PLATFORM_NAMES, at_id


def render_card(card: Card, *, number: int | None = None) -> str:
    label = f"#{number} " if number is not None else ""
    lines = [f"┌ {label}{card.headline(at_id)}"]
    lines.append(f"│ {card.action}" + (f" ({card.tool})" if card.description else ""))
    asked = f" · asked by {at_id(card.requester)}" if card.requester else ""
    lines.append(f"│ {card.worker_display}{asked} · mission {card.mission_id}")
    lines += [f"│ {name}: {value}" for name, value in card.facts]
    if card.rationale:
        lines.append(f"│ Why: {card.rationale}")
    lines += [f"│ {line}" for line in card.insights]
    if card.open:
        lines.append(f"│ {card.rule_text}")
    lines += [f"│ Added by the requester: {entry}" for entry in card.context]
    if card.open:
        hint = f"approve {number} | reject {number} <reason>" if number is not None else "approve | reject"
        lines.append(f"│ [1] Approve  [2] Reject ({', '.join(card.reason_codes)})  ->  {hint}")
        if card.editable:  # approve with changes: `/approve 1 amount=30`
            changes = ", ".join(
                f"{f.name}={f.value}" + (f" ({f.hint})" if f.hint else "") for f in card.editable
            )
            lines.append(f"│ Approve with changes  ->  approve {number or ''} arg=value; now: {changes}")
    else:
        lines.append(
            f"│ {card.status_line}"
            + (f" on {PLATFORM_NAMES.get(card.decided_on, card.decided_on)}" if card.decided_on else "")
            + (f" at {card.when(card.decided_at)}" if card.decided_at else "")
            + (f": {card.comment}" if card.comment else "")
        )
    if card.escalation_note:
        lines.append(f"│ {card.escalation_note}")
    if card.progress:
        lines.append(f"│ {card.progress}")
    if card.undo_tool and card.undo_until:
        hint = f"/undo {number}" if number is not None else "undo"
        lines.append(f"│ [Undo] ({card.undo_tool}, until {card.when(card.undo_until)})  ->  {hint}")
    lines.append("└")
    return "\n".join(lines)
