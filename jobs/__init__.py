"""RQ job functions. Their import paths (`jobs.missions.run_mission`, ...) are stored with queued jobs: they
never move. The names below are a reading aid, loaded on first use (bot/core/exports.py); RQ imports each
job by its full path.
"""

from bot.core.exports import lazy

__all__, __getattr__, __dir__ = lazy(
    __name__,
    {
        "jobs.missions": ["run_mission", "on_mission_failure"],
        "jobs.actions": ["execute_proposal", "sync_cards", "on_execution_failure"],
        "jobs.sweeps": ["sweep_escalations", "sweep_recovery", "weekly_digest"],
    },
)
