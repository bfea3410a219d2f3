"""The governed loop: submit, plan, gate, propose, decide, execute, verdict; plus escalation, trust,
recovery, undo and the weekly digest. `service.MissionService` is the one way in."""

__all__ = [
    "closing",
    "kill_switch",
    "digest",
    "escalation",
    "execution",
    "more_info",
    "notify",
    "planners",
    "recovery",
    "runner",
    "service",
    "session",
    "trust",
    "undo",
    "verdict",
]
