"""Worker configs: pydantic models and a YAML loader that reports file, field and line."""

from bot.core.config.loader import load_worker_file, load_workers
from bot.core.config.models import MissionSpec, WorkerConfig
from bot.core.config.tools import ToolPolicy

__all__ = ["MissionSpec", "ToolPolicy", "WorkerConfig", "load_worker_file", "load_workers"]
