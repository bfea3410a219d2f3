"""The demo: helpdesk and directory backends, the scripted story `missionbot demo --script` plays."""

__all__ = [
    "backends",
    "helpdesk",
    "helpdesk_mcp",
    "helpdesk_policy",
    "idempotent",
    "it_access",
    "story",
    "worker_process",
]
