"""The console: a messenger that records cards in Redis and plain-text cards (the shell that reads them is
`handlers/console/shell.py`)."""

__all__ = ["messenger", "text"]
