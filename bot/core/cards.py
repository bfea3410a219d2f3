"""The platform-neutral approval card. Renderers (console text, Block Kit, Adaptive Card) read only this.

A card is what people see, so `card_for` fills it with the redacted, defanged copy of everything the model,
a tool or a person wrote (arguments, their names, rationale, comments); the proposal keeps the real arguments,
which are what executes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel

from bot.core import lifecycle, precedent
from bot.core.card_edits import EditField, edit_fields
from bot.core.config.models import WorkerConfig
from bot.core.defang import defang
from bot.core.formatting import Formats
from bot.core.messages import Who, at_id, reason_words, rule_words
from bot.core.models import Mission, Proposal
from bot.core.policy import edits, quorum
from bot.core.precedent import Precedent
from bot.core.readable import arg_facts
from bot.core.redact import SHAPES_ONLY, Redactor

_APPROVED_WORDS = {
    "approved": "Approved {by}",
    "executing": "Approved {by}, executing",
    "executed": "Approved and executed {by}",
    "failed": "Approved {by}, but it failed",
}

VOIDED = "voided:"  # how an execution's error starts when a changed tool definition voided the approval
Linker = Callable[[str, str | None], str]  # (mission id, its thread's URL) -> a renderer's link markup


def _as_is(text: str) -> str:
    return text


STATUS_LINES = {
    "pending": "Awaiting a decision",
    "approved": "Approved",
    "executing": "Approved, executing",
    "executed": "Approved and executed",
    "failed": "Approved, but execution failed",
    "rejected": "Rejected",
    "expired": "Expired, no decision",
    "halted": "Halted: the kill switch is pulled",
    "shadow_approved": "Shadow: the approver would approve",
    "shadow_rejected": "Shadow: the approver would reject",
    "closed": lifecycle.status_line(None),
}


class Card(BaseModel):
    proposal_id: str
    mission_id: str
    worker: str
    worker_display: str
    worker_icon: str | None = None  # the worker's `identity.icon_url`: Teams puts it beside the name
    title: str
    tool: str
    fields: list[tuple[str, str]]  # (label, value): arguments formatted by us, never the model's prose
    tier: str
    rule: str | None
    rationale: str
    shadow: bool
    status: str
    status_line: str
    decided_by: str | None = None
    decided_at: datetime | None = None
    decided_on: str | None = None
    reason_code: str | None = None
    comment: str | None = None
    reason_codes: list[str]
    approvers: list[str]
    requester: str = ""
    description: str = ""  # what will happen, in plain words (config, else the tool's own description)
    halted_by: str | None = None
    thread_link: str | None = None
    escalation_note: str | None = None  # "Reminder sent…", "Re-routed to @U0LEAD…": shown under the status
    undo_tool: str | None = None  # set on an executed action whose tool declares `undo:`
    undo_until: datetime | None = None  # renderers show an "Undo" button until then
    context: list[str] = []  # what the requester added (e.g. the information an approver asked for)
    progress: str | None = None  # a quorum's "1 of 2 approvals: @alice" (bot/core/policy/quorum.py)
    preview: str | None = None  # "What will change", read when proposed (bot/missions/preview.py)
    preview_changed: str | None = None  # what changed before execution, so the approvers are asked again
    precedent: list[Precedent] = []  # similar past decisions, newest first (bot/core/precedent.py)
    editable: list[EditField] = []  # "Approve with changes" inputs (bot/core/card_edits.py)
    args_version: int = 0  # the arguments' version shown: its Approve carries it (bot/core/card_edits.py)
    formats: Formats = Formats()  # the reader's locale (else the worker's), its currency and timezone

    def when(self, value: datetime) -> str:
        """A decision or undo time as the thread shows times: `Nov 30, 2026, 3:10 PM UTC`."""
        return self.formats.when(value)

    @property
    def open(self) -> bool:
        return self.status == "pending"

    @property
    def needs_confirm(self) -> bool:
        return self.tier == "execute"

    @property
    def facts(self) -> list[tuple[str, str]]:
        """The arguments as labelled facts ("Account ID", "Amount"); room for more lines (quorum)."""
        return list(self.fields)

    @property
    def insights(self) -> list[str]:
        """What the approver weighs besides the arguments, as plain text (each precedent by its mission's
        id): see `insight_lines`."""
        return self.insight_lines()

    def insight_lines(self, *, text: Callable[[str], str] = _as_is, link: Linker | None = None) -> list[str]:
        """The effect preview, what changed since an approval (while asked again), and how similar
        proposals were decided, each linked to its mission: `link(mission id, its thread's URL or None)`
        is the renderer's link markup (default: the id), `text` escapes every other word for it."""
        lines = [text(f"What will change: {self.preview}")] if self.preview else []
        if self.preview_changed and self.open:
            lines.append(text(f"Asked again, the world changed since the approval: {self.preview_changed}"))
        if summary := precedent.line(self.precedent, tool=self.tool):
            linked = link or (lambda mission, _url: text(mission))
            missions = ", ".join(
                text("mission ")
                + linked(p.mission, p.link)
                + text(f" ({p.outcome}" + (f": {reason_words(p.reason_code)})" if p.reason_code else ")"))
                for p in self.precedent
            )
            lines.append(text(f"{summary}. ") + missions)
        return lines

    @property
    def rule_text(self) -> str:
        """Why a person is asked, in plain words."""
        return rule_words(self.rule, tier=self.tier)

    @property
    def action(self) -> str:
        """What will happen: the description when there is one, else the tool's name."""
        return self.description or self.tool

    def headline(self, who: Who = at_id, *, reason: bool = True) -> str:
        """The card's state in words, the same in its header and its notification text:
        "Approved and executed by …", "Rejected by …: wrong amount", "Expired", "Halted by …"."""
        by = who(self.decided_by) if self.decided_by else "someone"
        why = f": {reason_words(self.reason_code)}" if self.reason_code and reason else ""
        if self.status == "pending":
            return "Shadow check" if self.shadow else "Approval needed"
        if self.status in _APPROVED_WORDS:
            return _APPROVED_WORDS[self.status].format(
                by="automatically" if self.decided_by == "auto" else f"by {by}"
            )
        if self.status == "rejected":
            return f"Rejected by {by}{why}"
        if self.status in ("shadow_approved", "shadow_rejected"):
            verb = "approve" if self.status == "shadow_approved" else "reject"
            return f"Shadow: {by} would {verb}{why}"
        if self.status == "halted":
            return f"Halted by {who(self.halted_by)}" if self.halted_by else "Halted"
        if self.status == "expired":
            return "Expired"
        return self.status_line

    def notification(self, who: Who = at_id) -> str:
        """The notification / fallback text: the header's words and the action."""
        return f"{self.headline(who)} · {self.action}"


def card_for(
    proposal: Proposal,
    worker: WorkerConfig,
    *,
    thread_link: str | None = None,
    redactor: Redactor | None = None,
    precedents: list[Precedent] | None = None,
    formats: Formats | None = None,
) -> Card:
    redactor = redactor or SHAPES_ONLY  # callers with a runtime pass `rt.redactor`: configured values too

    def shown(text: str | None) -> str | None:
        return None if text is None else defang(redactor.text(text))

    verb = (
        "Shadow check"
        if proposal.shadow
        else "Done by the worker alone"
        if proposal.decided_by == "auto"
        else "Approval needed"
    )
    args = redactor.value(proposal.args)  # secret-named keys lose their value, then every string is redacted
    return Card(
        proposal_id=proposal.id,
        mission_id=proposal.mission_id,
        worker=worker.name,
        worker_display=worker.display_name,
        worker_icon=worker.identity.icon_url,
        title=f"{verb}: {shown(proposal.tool)}",
        tool=shown(proposal.tool),
        fields=[
            (shown(k), shown(v))
            for k, v in arg_facts(args, tool=proposal.tool, worker=worker, formats=formats)
        ],
        tier=proposal.tier,
        rule=redactor.text(proposal.rule) if proposal.rule else None,
        rationale=shown(proposal.rationale),
        shadow=proposal.shadow,
        status=proposal.status,
        status_line=_status_line(proposal),
        decided_by=proposal.decided_by,
        decided_at=proposal.decided_at,
        decided_on=proposal.decided_on,
        reason_code=shown(proposal.reason_code),
        comment=shown(proposal.comment),
        reason_codes=list(worker.escalation.reason_codes),
        approvers=[*worker.escalation.approvers, *worker.escalation.backup],
        requester=proposal.requester,
        description=shown(_description(proposal, worker)) or "",
        halted_by=proposal.halted_by,
        thread_link=thread_link,
        escalation_note=redactor.text(proposal.escalation_note) if proposal.escalation_note else None,
        context=[shown(c) for c in proposal.context],
        editable=edit_fields(proposal, worker, redactor),
        args_version=proposal.args_version,
        progress=_progress(worker, proposal, shown=lambda p: edits.line(redacted(p, redactor), shown=defang)),
        preview=shown(proposal.preview),
        preview_changed=shown(proposal.preview_changed),
        precedent=[p.model_copy(update={"reason_code": shown(p.reason_code)}) for p in precedents or []],
        formats=formats or worker.formats,
        **_undo(proposal, worker),
    )


def redacted(proposal: Proposal, redactor: Redactor) -> Proposal:
    """`proposal` with its arguments (and the original ones, when edited) as people may read them."""
    original = proposal.original_args
    return proposal.model_copy(
        update={
            "args": redactor.value(proposal.args),
            "original_args": None if original is None else redactor.value(original),
        }
    )


def _progress(
    worker: WorkerConfig, proposal: Proposal, *, shown: Callable[[Proposal], str | None]
) -> str | None:
    """A quorum's progress, the approver's changes ("approved with changes: amount 40 → 30", `shown`
    redacted and defanged) and the delegator a delegate decided for ("on behalf of @olivia")."""
    lines = [quorum.progress(worker, proposal), shown(proposal)]
    if proposal.decided_for:
        lines.append(f"Decided by @{proposal.decided_by} on behalf of @{proposal.decided_for}")
    return " · ".join(line for line in lines if line) or None


def _description(proposal: Proposal, worker: WorkerConfig) -> str:
    policy = worker.policy(proposal.tool)
    return (policy.description if policy and policy.description else proposal.description).strip()


def _status_line(proposal: Proposal) -> str:
    if proposal.status == "closed":
        return lifecycle.status_line(proposal.closed_because)
    if proposal.status == "executed" and proposal.reversed_by:
        return "Executed, then reversed by an undo"
    if proposal.status == "executed" and proposal.decided_by == "auto":
        return f"Auto-approved ({proposal.rule}) and executed"
    if proposal.status == "failed" and (proposal.error or "").startswith(VOIDED):
        return "Approved, but voided: the tool's definition changed since it was proposed; nothing ran"
    return STATUS_LINES[proposal.status]


def _undo(proposal: Proposal, worker: WorkerConfig) -> dict[str, Any]:
    policy = worker.policy(proposal.tool)
    if proposal.status != "executed" or policy is None or not policy.undo or proposal.decided_at is None:
        return {}
    if proposal.reversed_by:  # undone already: no second Undo button
        return {}
    # The window runs from the decision; execution follows it within seconds.
    return {
        "undo_tool": policy.undo,
        "undo_until": proposal.decided_at + timedelta(minutes=policy.undo_window_minutes),
    }


def mission_link(mission: Mission) -> str:
    return f"mission {mission.id}"
