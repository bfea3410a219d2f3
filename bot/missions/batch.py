"""Batch decisions: an approver approves or rejects several proposals of the same tool in one action
(shell `/approve 3 4 7`). The batch names exact ids, never a pattern; each proposal gets its own decision,
authorization check and audit event (`decisions.decide`), and one decided elsewhere meanwhile is reported,
not decided again. An approval also carries the arguments' version each item showed (`seen`): one edited
since the list was shown is refused and named, the others go through (bot/core/card_edits.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.core.card_edits import Stale
from bot.core.errors import BadRequest, MissionbotError, NotFound
from bot.core.runtime import Runtime
from bot.missions import decisions

MAX_BATCH = 50


@dataclass(frozen=True, kw_only=True)
class Outcome:
    proposal: str
    status: str | None = None  # what this batch recorded
    refused: str | None = None  # why not (decided elsewhere, not authorized, halted…)
    stale: bool = False  # refused: its arguments changed since the list was shown


def decide_batch(
    rt: Runtime,
    proposal_ids: list[str],
    *,
    actor: str,
    approve: bool,
    platform: str,
    reason_code: str | None = None,
    seen: Mapping[str, int | None] | None = None,
) -> list[Outcome]:
    """`seen`: {proposal id: the arguments' version the list showed}; an id missing from it is not checked."""
    ids = list(dict.fromkeys(proposal_ids))  # the same id twice is one decision
    if not ids or len(ids) > MAX_BATCH:
        raise BadRequest(f"A batch names 1 to {MAX_BATCH} cards.")
    try:
        tools = {(p.worker, p.tool) for p in (rt.store.proposal(i) for i in ids)}
    except NotFound as err:
        raise BadRequest(str(err)) from None
    if len(tools) > 1:
        raise BadRequest(
            "A batch decides cards of one tool only; these name " + ", ".join(sorted(t for _, t in tools))
        )
    outcomes = []
    for pid in ids:
        try:
            decided = decisions.decide(
                rt,
                pid,
                actor=actor,
                approve=approve,
                platform=platform,
                reason_code=reason_code,
                seen_version=(seen or {}).get(pid),
            )
            outcomes.append(Outcome(proposal=pid, status=decided.status))
        except Stale:
            outcomes.append(Outcome(proposal=pid, refused=stale_text(pid), stale=True))
        except MissionbotError as err:  # decided elsewhere meanwhile, not theirs, halted: not redone
            outcomes.append(Outcome(proposal=pid, refused=str(err)))
    rt.audit.record(
        "batch.decided",
        actor=actor,
        platform=platform,
        approve=approve,
        proposals=ids,
        decided=[o.proposal for o in outcomes if o.status],
    )
    return outcomes


def stale_text(proposal_id: str) -> str:
    """A batch names the item it refused: the approver saw other arguments than the ones now."""
    return f"{proposal_id} changed since the list was shown: look again"


def _line(o: Outcome) -> str:
    if o.stale:  # its text names it: "M-… changed since the list was shown: look again"
        return f"• {o.refused}"
    return f"• {o.proposal}: " + (o.status.replace("_", " ") if o.status else f"not decided ({o.refused})")


def summary(outcomes: list[Outcome]) -> str:
    """What a batch did, one line per card: its decision, or why it was not decided."""
    return "\n".join(_line(o) for o in outcomes)
