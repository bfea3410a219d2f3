"""The weekly digest: compute a worker's week from the audit stream, render it, send it when due.

What it offers, loaded on first use (bot/core/exports.py); the submodules `compute`, `render` and `send` keep
their names (`bot.missions.digest.compute.compute(rt, worker, end=...)`).
"""

from bot.core.exports import lazy

__all__, __getattr__, __dir__ = lazy(
    __name__,
    {
        "bot.missions.digest.model": ["Digest", "WeekStats", "ErrorBudgetStatus", "Promotion"],
        "bot.missions.digest.send": ["send_if_due", "due_week"],
    },
)
