"""The verdict that closes a mission's thread: the facts from the store, never the model's claims.

It is product text (`ProductText`): the approvers it names are mentions; everything a model, a tool or a
person wrote (arguments, errors, comments, refusals, the planner's own words) is defanged as it is composed,
and arguments are shown redacted.
"""

from __future__ import annotations

from bot.core.defang import ProductText, join, product, trusted
from bot.core.models import Mission, Proposal
from bot.core.redact import SHAPES_ONLY, Redactor


def _line(p: Proposal, redactor: Redactor) -> ProductText:
    shown = redactor.value(p.args)
    args = ", ".join(f"{k}={v}" for k, v in shown.items())
    who = f"@{p.decided_by}" if p.decided_by and p.decided_by != "auto" else "auto-approval ({rule})"
    reason = " ({reason})" if p.reason_code else ""
    template = {
        "executed": f"✅ {{tool}}({{args}}) executed, approved by {who}"
        + (", then reversed by an undo" if p.reversed_by else ""),
        "failed": f"⛔ {{tool}}({{args}}) approved by {who} but failed: {{error}}",
        "rejected": f"✋ {{tool}}({{args}}) rejected by @{p.decided_by}{reason}; nothing was done",
        "expired": "⌛ {tool}({args}) expired, no decision; nothing was done",
        "halted": "🛑 {tool}({args}) halted by the kill switch; nothing was done",
        "shadow_approved": f"👥 shadow: @{p.decided_by} would approve {{tool}}({{args}}); nothing was done",
        "shadow_rejected": (
            f"👥 shadow: @{p.decided_by} would reject {{tool}}({{args}}){reason}; nothing was done"
        ),
    }.get(p.status, "… {tool}({args}) is {status}")
    because = f"{p.reason_code}{': ' + p.comment if p.comment else ''}" if p.reason_code else ""
    return product(
        template,
        tool=p.tool,
        args=redactor.text(args),
        rule=p.rule or "",
        error=p.error or "",
        reason=redactor.text(because),
        status=p.status,
    )


def compose(
    mission: Mission,
    proposals: list[Proposal],
    *,
    refusals: list[str],
    planner_text: str | None,
    failed: bool,
    redactor: Redactor | None = None,
) -> ProductText:
    """`planner_text` keeps its mentions only when it is `ProductText` (the product's own words)."""
    redactor = redactor or SHAPES_ONLY
    executed = any(p.status == "executed" for p in proposals)
    head = "Failed" if failed else "Resolved" if executed else "Closed" if proposals or refusals else "Done"
    lines: list[str] = [product("*Verdict ({id}): {head}.*", id=mission.id, head=head)]
    if planner_text:
        lines.append(planner_text)
    lines += [_line(p, redactor) for p in proposals]
    lines += [product("🚫 refused: {refusal}", refusal=r) for r in refusals]
    if mission.tokens:
        lines.append(trusted(f"tokens used: {mission.tokens:,}"))
    return join("\n", lines)
