"""Teams listeners: the /api/messages route and the card actions."""

__all__ = ["actions", "routes"]
