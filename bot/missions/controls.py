"""A worker's controls (autonomy, the kill switch): only its owner changes them, and each change is audited.

Who may change them is the policy's rule (bot/core/policy/deciders.py); the kill switch's effects live in
bot/missions/kill_switch.py.
"""

from __future__ import annotations

from bot.core.errors import BadRequest
from bot.core.models import Control
from bot.core.policy import authorize_controls
from bot.core.runtime import Runtime
from bot.missions.trust import Trust

AUTONOMY_MODES = ("shadow", "assisted", "autonomous")


def authorize(rt: Runtime, worker: str, *, actor: str) -> None:
    """Raise NotAuthorized unless `actor` (any of their linked accounts) owns `worker`."""
    authorize_controls(rt.worker(worker), actor=actor, accounts=rt.people.accounts_of(actor))


def change(rt: Runtime, worker: str, *, actor: str, **change: object) -> Control:
    """Write one change and its `control.changed` event; the caller has authorized `actor`."""
    control = rt.control(worker).model_copy(update={**change, "changed_by": actor, "changed_at": rt.clock()})
    rt.store.set_control(worker, control)
    rt.audit.record("control.changed", actor=actor, worker=worker, **{k: str(v) for k, v in change.items()})
    return control


def set_autonomy(rt: Runtime, worker: str, mode: str, *, actor: str) -> Control:
    authorize(rt, worker, actor=actor)
    if mode not in AUTONOMY_MODES:
        raise BadRequest(f"Autonomy is one of {', '.join(AUTONOMY_MODES)}, not {mode!r}.")
    if mode == "autonomous":
        # The error-budget sweep would demote it again within a minute: refuse now, with the numbers.
        budget = Trust(rt).reject_rate(worker)
        if budget.exceeded:
            raise BadRequest(
                f"{worker} stays {rt.control(worker).autonomy}: the error budget is spent "
                f"({budget.describe()}). Autonomy can be raised once the rate is back within the budget."
            )
    return change(rt, worker, actor=actor, autonomy=mode)
