"""The weekly digest as data: what `compute` produces and every renderer reads.

Definitions (the digest's footer repeats them in words):
- decided = human approvals + human rejections of the worker's own proposals; shadow answers,
  auto-approvals, questions (a rejection asking for more information) and decisions about an undo are
  counted apart (bot/missions/trust.py, `category`);
- acceptance = approved / decided;
- override = (rejected + edited + undone) / (decided + auto-approved): every action that reached a
  decision, human or rule, and how often people overrode the worker. "Edited" counts approvals with changes
  to the arguments (bot/missions/edited.py; they are also among the approved); "undone" counts undo actions
  that executed (a requested undo still waiting for an approver is not one);
- shadow agreement = (would approve - would approve with changes / 2) / shadow answers: an edit is a
  partial disagreement, weighed half;
- escalation rate = proposals that needed a reminder / proposals that waited for a human;
- time to decision = proposal created (the card appears) to the human decision, nearest-rank p50/p90;
- SLA breach = a proposal reminded or expired, or decided after `response_target_minutes` of working time;
- rubber stamp = an approval under 5 s after the card appeared,
  or an approver who approved all of more than 20.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from pydantic import BaseModel

# The digest's footnote: each figure's formula, next to the property that computes it.
FORMULAS = {
    "Acceptance": "approved / (approved + rejected), human decisions on the worker's own proposals",
    "Override": "(rejected + edited + undos executed) / (approved + rejected + auto-approved); edited = "
    "approved with changes to the arguments",
    "Shadow agreement": "(would approve - would approve with changes / 2) / shadow answers: an edit is half "
    "a disagreement",
    "Escalation": "proposals reminded / proposals that waited for a human",
    "Time to decision": "card shown to human decision, nearest-rank p50 / p90",
    "SLA breach": "a proposal reminded, expired, or decided after the response target (working time)",
    "Not counted as approvals or rejections": "questions (a rejection asking the requester for more "
    "information) and decisions about an undo; shadow answers are shown apart",
}


def percentile(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p of the sample at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


class WeekStats(BaseModel):
    missions: int = 0
    verdicts: dict[str, int] = {}
    proposals: int = 0
    approved: int = 0
    rejected: int = 0
    auto_approved: int = 0
    undone: int = 0
    edited: int = 0  # approvals with changes to the arguments (counted in `approved` too)
    shadow_approved: int = 0
    shadow_edited: int = 0  # shadow approvals with changes (counted in `shadow_approved` too)
    shadow_rejected: int = 0
    questions: int = 0  # rejections asking the requester for more information (`more_info_codes`)
    undo_approved: int = 0  # decisions about reversing an executed action, not about the worker
    undo_rejected: int = 0
    waited_for_human: int = 0
    escalated: int = 0
    sla_breaches: int = 0
    expiries: int = 0
    decision_seconds: list[float] = []
    fast_approvals: int = 0
    # Adoption (bot/missions/digest/adoption.py)
    requesters: int = 0
    new_requesters: int = 0
    repeat_requesters: int = 0
    minutes_saved: float = 0.0  # an estimate from the worker's `digest.minutes_saved_per_mission`
    autonomy: str = ""  # the level the week ended at

    @property
    def decided(self) -> int:
        return self.approved + self.rejected

    @property
    def acceptance_rate(self) -> float | None:
        return ratio(self.approved, self.decided)

    @property
    def override_rate(self) -> float | None:
        return ratio(self.rejected + self.edited + self.undone, self.decided + self.auto_approved)

    @property
    def escalation_rate(self) -> float | None:
        return ratio(self.escalated, self.waited_for_human)

    @property
    def shadow_agreement(self) -> float | None:
        answers = self.shadow_approved + self.shadow_rejected
        return None if not answers else (self.shadow_approved - self.shadow_edited / 2) / answers

    @property
    def p50_seconds(self) -> float | None:
        return percentile(self.decision_seconds, 0.5)

    @property
    def p90_seconds(self) -> float | None:
        return percentile(self.decision_seconds, 0.9)


class ApproverLoad(BaseModel):
    approver: str
    decided: int
    median_seconds: float | None = None


class ReasonCount(BaseModel):
    code: str
    count: int
    example_mission: str
    example_link: str | None = (
        None  # the mission's thread on its platform (its messenger's `permalink`), when it has one
    )


class ErrorBudgetStatus(BaseModel):
    """rate = rejected / decided, where decided counts human approvals and rejections and auto-approvals
    (bot/missions/trust.py, `RejectCounter`)."""

    rejected: int
    decided: int
    auto_approved: int = 0
    limit: float
    window_days: int

    @property
    def rate(self) -> float:
        return self.rejected / self.decided if self.decided else 0.0

    @property
    def exceeded(self) -> bool:
        return self.decided > 0 and self.rate > self.limit

    def describe(self) -> str:
        by_rule = f", {self.auto_approved} of them auto-approved" if self.auto_approved else ""
        return (
            f"{self.rejected} of {self.decided} decisions rejected in the last {self.window_days} days "
            f"({self.rate:.0%}, budget {self.limit:.0%}{by_rule})"
        )


class Promotion(BaseModel):
    tool: str
    decisions: int
    approved: int
    condition: dict[str, dict[str, Any]]  # the auto_approve condition that would apply

    @property
    def acceptance(self) -> float:
        return self.approved / self.decisions

    @property
    def rule(self) -> str:
        """The exact line to put under `tools: <tool>:` in the worker's YAML."""
        inner = ", ".join(
            f"{arg}: {{{', '.join(f'{op}: {v:g}' for op, v in ops.items())}}}"
            for arg, ops in self.condition.items()
        )
        return f"auto_approve: {{{inner}}}"


class Digest(BaseModel):
    worker: str
    display_name: str
    autonomy: str
    start: datetime
    end: datetime
    timezone: str
    current: WeekStats
    previous: WeekStats
    weeks: list[WeekStats] = []  # oldest first, the last is `current`: one source for text, chart, App Home
    channels: dict[str, int] = {}  # this week's missions per conversation
    approvers: list[ApproverLoad] = []  # this week, busiest first
    top_reasons: list[ReasonCount] = []
    tokens: int = 0
    token_budget: int = 0
    error_budget: ErrorBudgetStatus
    rubber_stamp_approvers: list[str] = []
    delegated: list[tuple[str, str, int]] = []  # this week: (delegate, delegator, decisions), most first
    promotions: list[Promotion] = []
    promotion_days: int = 14

    @property
    def budget_used(self) -> float | None:
        return ratio(self.tokens, self.token_budget)
