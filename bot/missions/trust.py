"""Autonomy driven by evidence: error budgets demote a worker on their own; promotion is only ever suggested.

Demotion: when a worker's reject rate (`RejectCounter`: rejections / every live action decided, by a
human or by rule, over `error_budget.window_days`) exceeds `max_reject_rate`, or an action it executed is
undone, an `autonomous` worker drops to `assisted`. What counts as what is `category`, the one definition
the digest also uses: a decision about an undo and a request for more information are their own
categories, never an approval or a rejection of the worker. The control change is one atomic WATCH/MULTI
write (so two sweeps demote once), audited as `control.changed` by `system:error_budget`, and the owner
gets a message with the numbers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.core.config.models import WorkerConfig
from bot.core.models import Control
from bot.core.runtime import Runtime
from bot.missions.digest.model import ErrorBudgetStatus
from bot.missions.undo import is_undo

ACTOR = "system:error_budget"
DECISIONS = {
    "decision.approved": "approved",
    "decision.rejected": "rejected",
    "decision.auto_approved": "auto_approved",
    "decision.shadow_approved": "shadow_approved",
    "decision.shadow_rejected": "shadow_rejected",
}
# category -> counts as a rejection in the error budget (absent: not in the budget at all)
BUDGET_DECISIONS = {"approved": False, "rejected": True, "auto_approved": False}
SKEW = timedelta(minutes=5)  # writers' clocks may disagree this much about the audit stream's order


BUDGET_FORMULA = (
    "rejected / (approved + rejected + auto-approved) over the window; questions, undo decisions and "
    "shadow answers are not in it"
)


class _Unchanged(Exception):
    pass


def category(event: dict[str, Any], more_info_codes: list[str]) -> str | None:
    """What a decision event counts as, or None for any other event: approved, rejected, auto_approved,
    shadow_approved, shadow_rejected, `questions` (a rejection asking the requester for more information:
    the worker was not wrong, it lacked facts), `undo_approved` / `undo_rejected` (a person deciding about
    reversing an action: approving it is not approving the worker, rejecting it keeps the worker's action)."""
    found = DECISIONS.get(event["kind"])
    if found is None:
        return None
    if event["proposal"] and is_undo(event["proposal"]) and found in {"approved", "rejected"}:
        return f"undo_{found}"
    if found == "rejected" and event["data"].get("reason_code") in more_info_codes:
        return "questions"
    return found


class RejectCounter:
    """The one definition of the error budget's reject rate, shared by the digest and the demotion check.

    reject rate = rejected / (approved + rejected + auto_approved), over decisions about `worker`'s live
    actions recorded in [end - window_days, end). What ran by rule is in the denominator (one rejection
    among 40 auto-approvals is 1 in 41, not 100%); shadow answers, questions and undo decisions are not
    in it at all. The digest feeds it from its single pass; `reject_rate` from the window alone.
    """

    def __init__(self, worker: WorkerConfig, *, end: datetime) -> None:
        self.budget, self.end = worker.error_budget, end
        self.codes = worker.escalation.more_info_codes
        self.since = end - timedelta(days=self.budget.window_days)
        self.rejected = self.decided = self.auto_approved = 0

    def add(self, event: dict[str, Any]) -> None:
        found = category(event, self.codes)
        if found in BUDGET_DECISIONS and self.since <= datetime.fromisoformat(event["at"]) < self.end:
            self.count(found)

    def count(self, found: str, n: int = 1) -> None:
        self.rejected += n * BUDGET_DECISIONS[found]
        self.decided += n
        self.auto_approved += n * (found == "auto_approved")

    def status(self) -> ErrorBudgetStatus:
        return ErrorBudgetStatus(
            rejected=self.rejected,
            decided=self.decided,
            auto_approved=self.auto_approved,
            limit=self.budget.max_reject_rate,
            window_days=self.budget.window_days,
        )


def reject_rate(rt: Runtime, worker_name: str, *, end: datetime) -> ErrorBudgetStatus:
    counter = RejectCounter(rt.worker(worker_name), end=end)
    for event in rt.audit.events(start=rt.audit.start_at(counter.since - SKEW)):
        if event["worker"] == worker_name:
            counter.add(event)
    return counter.status()


class Trust:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def undo_set(self, worker: str) -> str:
        return self.rt.store.key("undos", worker)

    def reject_rate(self, worker: str) -> ErrorBudgetStatus:
        # Up to and including this instant: a decision recorded "now" already counts.
        return reject_rate(self.rt, worker, end=self.rt.clock() + timedelta(microseconds=1))

    # -- enforcement ---------------------------------------------------------------------
    def enforce_all(self) -> list[str]:
        """Check every worker's budget and undone actions; returns the workers demoted now."""
        return [w for w in self.rt.workers if self.enforce(w)]

    def enforce(self, worker: str) -> bool:
        demoted = False
        for undo_id in sorted(m.decode() for m in self.rt.redis.smembers(self.undo_set(worker))):
            undo = self.rt.store.proposal(undo_id)
            if not undo.settled:
                continue
            self.rt.redis.srem(self.undo_set(worker), undo_id)
            if undo.status == "executed":
                demoted |= self.demote(
                    worker,
                    why=f"an executed action was undone: {undo.undo_of} reversed by "
                    f"{undo.tool} (requested by @{undo.requester}, approved by "
                    f"@{undo.decided_by})",
                    evidence={"undone": undo.undo_of},
                )
        if self.rt.control(worker).autonomy == "autonomous":
            rate = self.reject_rate(worker)
            if rate.exceeded:
                demoted |= self.demote(
                    worker,
                    why=f"the error budget is spent: {rate.describe()}",
                    evidence={
                        "rejected": rate.rejected,
                        "decided": rate.decided,
                        "reject_rate": round(rate.rate, 4),
                        "limit": rate.limit,
                    },
                )
        return demoted

    def demote(self, worker: str, *, why: str, evidence: dict[str, object]) -> bool:
        """autonomous -> assisted, once; False when the worker was not autonomous (or another sweep won)."""
        store, now = self.rt.store, self.rt.clock()
        key = store.key("control", worker)
        store.redis.set(key, self.rt.control(worker).model_dump_json(), nx=True)  # materialize the default

        def change(c: Control) -> Control:
            if c.autonomy != "autonomous":
                raise _Unchanged
            return c.model_copy(update={"autonomy": "assisted", "changed_by": ACTOR, "changed_at": now})

        try:
            store._mutate(key, Control, change)
        except _Unchanged:
            return False
        self.rt.audit.record(
            "control.changed",
            actor=ACTOR,
            worker=worker,
            autonomy="assisted",
            previous="autonomous",
            why=why,
            **{k: str(v) for k, v in evidence.items()},
        )
        self.tell_owner(
            worker,
            f"⚠️ {self.rt.worker(worker).display_name} dropped from autonomous to assisted: "
            f"{why}. Every action now needs an approver; you can raise autonomy again "
            f"with /autonomy {worker} autonomous.",
        )
        return True

    def tell_owner(self, worker: str, text: str) -> None:
        config = self.rt.worker(worker)
        self.rt.messengers.get(config.digest.platform).post(conversation=config.owner, thread=None, text=text)
