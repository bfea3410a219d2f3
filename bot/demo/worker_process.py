"""A `missionbot worker` subprocess the demo stops and starts."""

from __future__ import annotations

import subprocess
import sys


class WorkerProcess:
    """One `missionbot worker` subprocess the demo can stop and start (to show a mission left queued)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "worker", "--simple"], env=self.env)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.process = None
