"""The verdict that closes a mission's thread: the facts from the store, never the model's claims.

It is neutral product text (`ProductText`, no platform markup; each messenger renders it): the outcome's own
icon, then one line per proposal in words ("Issue a service credit (Account ID: ACME-7, Amount: 40) was
rejected by @U…: wrong amount"). The people it names are mentions; everything a model, a tool or a person
wrote (arguments, errors, comments, refusals, the planner's own words) is defanged as it is composed, and
arguments are shown redacted.
"""

from __future__ import annotations

from bot.core.cards import redacted
from bot.core.config.models import WorkerConfig
from bot.core.defang import ProductText, join, product, trusted
from bot.core.formatting import Formats
from bot.core.messages import OUTCOMES, label, outcome, reason_words, value_text
from bot.core.models import Mission, Proposal
from bot.core.policy import edits
from bot.core.readable import arg_facts
from bot.core.redact import SHAPES_ONLY, Redactor

_DONE = "; nothing was done"


def _who(user: str | None) -> str:
    return f"@{user}" if user else "someone"


def _template(p: Proposal) -> str:
    """The line for `p`'s status; `{action}`, `{rule}`, `{error}`, `{reason}` are filled (defanged) later."""
    by = "automatically ({rule})" if p.decided_by == "auto" else f"by {_who(p.decided_by)}"
    return {
        "executed": f"✅ {{action}} was executed, approved {by}{{edit}}"
        + (", then reversed by an undo" if p.reversed_by else ""),
        "failed": f"⛔ {{action}} was approved {by}{{edit}} but failed: {{error}}",
        "rejected": f"✋ {{action}} was rejected by {_who(p.decided_by)}{{reason}}{_DONE}",
        "expired": f"⌛ {{action}} expired, no decision{_DONE}",
        "halted": (
            f"🛑 {{action}} was halted: {_who(p.halted_by)} pulled the kill switch{_DONE}"
            if p.halted_by
            else f"🛑 {{action}} was halted by the kill switch{_DONE}"
        ),
        "shadow_approved": f"👥 Shadow: {_who(p.decided_by)} would approve {{action}}{_DONE}",
        "shadow_rejected": f"👥 Shadow: {_who(p.decided_by)} would reject {{action}}{{reason}}{_DONE}",
    }.get(p.status, "… {action} is {status}")


def _line(
    p: Proposal, redactor: Redactor, worker: WorkerConfig | None, formats: Formats | None
) -> ProductText:
    shown = redactor.value(p.args)
    facts = (
        arg_facts(shown, tool=p.tool, worker=worker, formats=formats)
        if worker is not None  # the card's labels and formats: `$40` on both
        else [(label(str(k)), value_text(v)) for k, v in shown.items()]
    )
    args = ", ".join(f"{k}: {v}" for k, v in facts)
    reason = ": ".join(x for x in (reason_words(p.reason_code), p.comment or "") if x)
    return product(
        _template(p),
        action=redactor.text(f"{p.tool} ({args})" if args else p.tool),
        rule=(p.rule or "").removeprefix("auto_approve: "),
        error=p.error or "",
        reason=f" ({redactor.text(reason)})" if reason else "",
        status=p.status,
        edit=f" ({edits.line(redacted(p, redactor))})" if p.original_args is not None else "",
    )


def compose(
    mission: Mission,
    proposals: list[Proposal],
    *,
    refusals: list[str],
    planner_text: str | None,
    failed: bool,
    redactor: Redactor | None = None,
    worker: WorkerConfig | None = None,
) -> ProductText:
    """`planner_text` keeps its mentions only when it is `ProductText` (the product's own words). `worker`:
    arguments read as on the card (its labels and formats, in the requester's locale when known)."""
    formats = worker.formats.for_reader(mission.locale) if worker is not None else None
    redactor = redactor or SHAPES_ONLY
    state = outcome("failed" if failed else "done", [p.status for p in proposals], refused=bool(refusals))
    icon, word = OUTCOMES[state]
    lines: list[str] = [trusted(f"{icon} Verdict for mission {mission.id}: {word}.")]
    if planner_text:
        lines.append(planner_text)
    lines += [_line(p, redactor, worker, formats) for p in proposals]
    lines += [product("🚫 Refused: {refusal}", refusal=r) for r in refusals]
    if mission.tokens:
        lines.append(trusted(f"Tokens used: {mission.tokens:,}"))
    return join("\n", lines)
