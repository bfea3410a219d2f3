"""Slack listeners: one module per surface, each with `register(app, *, service, rt)`."""

__all__ = ["actions", "commands", "events", "home", "reply"]
