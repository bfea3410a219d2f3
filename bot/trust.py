"""Autonomy driven by evidence: error budgets demote a worker on their own; promotion is only ever suggested.

Demotion: when a worker's reject rate over `error_budget.window_days` exceeds `max_reject_rate`, or an
action it executed is undone, an `autonomous` worker drops to `assisted`. The control change is one
atomic WATCH/MULTI write (so two sweeps demote once), audited as `control.changed` by
`system:error_budget`, and the owner gets a message with the numbers.
"""

from __future__ import annotations

from datetime import timedelta

from bot.digest.model import ErrorBudgetStatus
from bot.models import Control, Proposal
from bot.runtime import Runtime

ACTOR = "system:error_budget"
HUMAN_APPROVED = frozenset({"approved", "executing", "executed", "failed"})


class _Unchanged(Exception):
    pass


# The error budget's reject rate is the same figure the digest reports.
RejectRate = ErrorBudgetStatus


class Trust:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def undo_set(self, worker: str) -> str:
        return self.rt.store.key("undos", worker)

    # -- evidence ------------------------------------------------------------------------
    def human_decisions(self, worker: str, *, days: int) -> list[Proposal]:
        """Non-shadow proposals a human decided in the last `days` days (records, not the audit stream)."""
        since = self.rt.clock() - timedelta(days=days)
        # A proposal is decided after its mission started; missions from one window earlier cover slow decisions.
        found = []
        for mission_id in self.rt.store.missions_of(worker, since=since - timedelta(days=days)):
            for pid in self.rt.store.mission(mission_id).proposals:
                p = self.rt.store.proposal(pid)
                if (not p.shadow and p.decided_at and p.decided_at >= since and p.decided_by not in {None, "auto"}
                        and (p.status == "rejected" or p.status in HUMAN_APPROVED)):
                    found.append(p)
        return found

    def reject_rate(self, worker: str) -> RejectRate:
        budget = self.rt.worker(worker).error_budget
        decided = self.human_decisions(worker, days=budget.window_days)
        return RejectRate(rejected=sum(p.status == "rejected" for p in decided), decided=len(decided),
                          window_days=budget.window_days, limit=budget.max_reject_rate)

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
                demoted |= self.demote(worker, why=f"an executed action was undone: {undo.undo_of} reversed by "
                                                   f"{undo.tool} (requested by @{undo.requester}, approved by "
                                                   f"@{undo.decided_by})", evidence={"undone": undo.undo_of})
        if self.rt.control(worker).autonomy == "autonomous":
            rate = self.reject_rate(worker)
            if rate.exceeded:
                demoted |= self.demote(worker, why=f"the error budget is spent: {rate.describe()}",
                                       evidence={"rejected": rate.rejected, "decided": rate.decided,
                                                 "reject_rate": round(rate.rate, 4), "limit": rate.limit})
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
        self.rt.audit.record("control.changed", actor=ACTOR, worker=worker, autonomy="assisted",
                             previous="autonomous", why=why, **{k: str(v) for k, v in evidence.items()})
        self.tell_owner(worker, f"⚠️ {self.rt.worker(worker).display_name} dropped from autonomous to assisted: "
                                f"{why}. Every action now needs an approver; you can raise autonomy again "
                                f"with /autonomy {worker} autonomous.")
        return True

    def tell_owner(self, worker: str, text: str) -> None:
        config = self.rt.worker(worker)
        self.rt.messengers.get(config.digest.platform).post(conversation=config.owner, thread=None, text=text)
