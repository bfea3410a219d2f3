"""The verdict that closes a mission's thread: the facts from the store, never the model's claims."""

from __future__ import annotations

from bot.models import Mission, Proposal


def _line(p: Proposal) -> str:
    args = ", ".join(f"{k}={v}" for k, v in p.args.items())
    who = f"@{p.decided_by}" if p.decided_by and p.decided_by != "auto" else f"auto-approval ({p.rule})"
    reason = f" ({p.reason_code}{': ' + p.comment if p.comment else ''})" if p.reason_code else ""
    return {
        "executed": f"✅ {p.tool}({args}) executed, approved by {who}",
        "failed": f"⛔ {p.tool}({args}) approved by {who} but failed: {p.error}",
        "rejected": f"✋ {p.tool}({args}) rejected by @{p.decided_by}{reason}; nothing was done",
        "expired": f"⌛ {p.tool}({args}) expired, no decision; nothing was done",
        "halted": f"🛑 {p.tool}({args}) halted by the kill switch; nothing was done",
        "shadow_approved": f"👥 shadow: @{p.decided_by} would approve {p.tool}({args}); nothing was done",
        "shadow_rejected": f"👥 shadow: @{p.decided_by} would reject {p.tool}({args}){reason}; nothing was done",
    }.get(p.status, f"… {p.tool}({args}) is {p.status}")


def compose(mission: Mission, proposals: list[Proposal], *, refusals: list[str], planner_text: str | None,
            failed: bool) -> str:
    executed = any(p.status == "executed" for p in proposals)
    head = "Failed" if failed else "Resolved" if executed else "Closed" if proposals or refusals else "Done"
    lines = [f"*Verdict ({mission.id}): {head}.*"]
    if planner_text:
        lines.append(planner_text)
    lines += [_line(p) for p in proposals]
    lines += [f"🚫 refused: {r}" for r in refusals]
    if mission.tokens:
        lines.append(f"tokens used: {mission.tokens:,}")
    return "\n".join(lines)
