"""Console listeners: the shell (`missionbot shell`, the demo),
whose typed lines become mission service calls."""

__all__ = ["shell"]
