"""RQ job functions. Their import paths are stored with queued jobs: they never move."""

__all__ = ["actions", "missions", "sweeps"]
