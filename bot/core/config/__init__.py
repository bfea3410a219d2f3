"""Worker configs: pydantic models and a YAML loader that reports file, field and line."""

from bot.core.config.loader import load_worker_file, load_workers
from bot.core.config.models import MissionSpec, ToolPolicy, WorkerConfig

__all__ = ["MissionSpec", "ToolPolicy", "WorkerConfig", "load_worker_file", "load_workers"]
