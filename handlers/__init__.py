"""Listeners per platform: they parse a request, call the mission service and answer; no business rule."""

__all__ = ["console", "slack", "teams"]
