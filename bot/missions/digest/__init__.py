"""The weekly digest: compute a worker's week from the audit stream, render it, send it when due."""

__all__ = ["compute", "model", "render", "send"]
