"""The governed loop: submit, plan, gate, propose, decide, execute, verdict; plus escalation, trust,
recovery, undo and the weekly digest. `MissionService` is the one way in; a decision lives in
`decisions`, the kill switch in `kill_switch`, the owner's controls in `controls`, the `/mission` verbs in
`verbs`.

What it offers, by module, loaded on first use (bot/core/exports.py).
"""

from bot.core.exports import lazy

__all__, __getattr__, __dir__ = lazy(
    __name__,
    {
        "bot.missions.service": ["MissionService", "Submitted"],
        "bot.missions.runner": ["MissionRunner"],
        "bot.missions.session": ["Session", "CallOutcome"],
        "bot.missions.execution": ["Executor"],
        "bot.missions.notify": ["Notifier"],
        "bot.missions.escalation": ["Escalator"],
        "bot.missions.recovery": ["Recovery"],
        "bot.missions.trust": ["Trust"],
        "bot.missions.undo": ["request_undo"],
    },
)
