"""The console: a messenger that records cards in Redis, the interactive shell, plain-text cards."""

__all__ = ["messenger", "shell", "text"]
