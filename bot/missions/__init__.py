"""The governed loop: submit, plan, gate, propose, decide, execute, verdict; plus escalation, trust,
recovery, undo and the weekly digest. `service.MissionService` is the one way in; a decision lives in
`decisions`, the kill switch in `kill_switch`, the owner's controls in `controls`."""

__all__ = [
    "closing",
    "controls",
    "decisions",
    "digest",
    "escalation",
    "execution",
    "kill_switch",
    "more_info",
    "notify",
    "planners",
    "recovery",
    "runner",
    "service",
    "session",
    "trust",
    "undo",
    "verbs",
    "verdict",
]
