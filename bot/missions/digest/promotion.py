"""Promotion is only ever suggested: per tool, an auto_approve bound the approvers' own decisions support.

A suggestion needs `promotion.min_decisions` human decisions in the last two weeks with
`promotion.min_acceptance` approved, bounds every argument each approval gave a number, never covers an
amount approvers rejected (`bound`), and is withheld while the error budget is spent.
"""

from __future__ import annotations

from typing import Any

from bot.core.config.models import WorkerConfig
from bot.missions.digest.model import Promotion


def bound(top: float, low_rejected: float | None) -> dict[str, float]:
    """Up to the largest approved number, but below the smallest rejected one: a suggestion never covers
    an amount approvers rejected."""
    return {"lte": top} if low_rejected is None or top < low_rejected else {"lt": low_rejected}


def promotions(worker: WorkerConfig, evidence: dict[str, list[Any]], *, spent: bool) -> list[Promotion]:
    """From `events.add_evidence`'s sums: per tool, a bound on every argument each approval gave a number;
    none while the error budget is spent (`spent`)."""
    if worker.promotion is None or spent:
        return []
    found = []
    for tool, (decisions, approved, args) in sorted(evidence.items()):
        if decisions < worker.promotion.min_decisions or not approved:
            continue
        if approved / decisions < worker.promotion.min_acceptance:
            continue
        rule = {
            name: bound(top, low) for name, (count, top, low) in sorted(args.items()) if count == approved
        }
        if not rule:
            continue  # nothing numeric to bound: a rule would approve everything, so none is suggested
        found.append(Promotion(tool=tool, decisions=decisions, approved=approved, condition=rule))
    return found
