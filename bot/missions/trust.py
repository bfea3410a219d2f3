"""Autonomy driven by evidence: error budgets demote a worker on their own; promotion is only ever suggested.

Demotion: when a worker's reject rate (human decisions in the audit stream, `RejectCounter`) over
`error_budget.window_days` exceeds `max_reject_rate`, or an action it executed is undone, an
`autonomous` worker drops to `assisted`. The control change is one atomic WATCH/MULTI write (so two
sweeps demote once), audited as `control.changed` by `system:error_budget`, and the owner gets a
message with the numbers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.core.config.models import WorkerConfig
from bot.core.models import Control
from bot.core.runtime import Runtime
from bot.missions.digest.model import ErrorBudgetStatus

ACTOR = "system:error_budget"
BUDGET_DECISIONS = {"decision.approved": False, "decision.rejected": True}  # kind -> counts as a rejection
SKEW = timedelta(minutes=5)  # writers' clocks may disagree this much about the audit stream's order


class _Unchanged(Exception):
    pass


class RejectCounter:
    """The one definition of the error budget's reject rate, shared by the digest and the demotion check.

    Fed audit events: human approvals and rejections of `worker` recorded in [end - window_days, end).
    Shadow answers and auto-approvals are not decisions a human made about a live action, so they
    do not count. The digest feeds it from its single pass; `reject_rate` from the window alone.
    """

    def __init__(self, worker: WorkerConfig, *, end: datetime) -> None:
        self.budget, self.end = worker.error_budget, end
        self.since = end - timedelta(days=self.budget.window_days)
        self.rejected = self.decided = 0

    def add(self, event: dict[str, Any]) -> None:
        rejection = BUDGET_DECISIONS.get(event["kind"])
        if rejection is not None and self.since <= datetime.fromisoformat(event["at"]) < self.end:
            self.rejected += rejection
            self.decided += 1

    def status(self) -> ErrorBudgetStatus:
        return ErrorBudgetStatus(
            rejected=self.rejected,
            decided=self.decided,
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
