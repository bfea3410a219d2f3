"""The `missionbot` subcommands (bot/cli.py dispatches to them)."""

__all__ = [
    "audit_cmd",
    "check_cmd",
    "common",
    "demo_cmd",
    "digest_cmd",
    "eval_cmd",
    "scheduler_cmd",
    "serve_cmd",
    "tools_cmd",
    "worker_cmd",
]
