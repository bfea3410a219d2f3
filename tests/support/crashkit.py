"""Make a real `missionbot worker` stop at a chosen moment, so a test can SIGKILL its process tree there.

Two kinds of moment, both announced on the Redis list `ENTERED` (the test waits for its name there):

- inside a helpdesk call: the helpdesk is an MCP server the worker starts over stdio, so the blocking
  lives in that server. `configs(tmp, method)` writes a config directory whose support-triage helpdesk is
  `python -m tests.support.crashkit serve METHOD`, the shipped server with METHOD patched to block
  (`after=True`: after its side effect). A blocked server exits once its parent is gone.
- inside RQ (`after_pop`: the worker popped a mission job and has not started it; `housekeeping`: it
  holds the cleanup lock): `hook_env(tmp, name)` returns environment variables whose `sitecustomize`
  patches RQ in every Python process of the worker tree.

Each moment blocks once per test (a Redis flag), so the worker started after the kill runs normally.
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def entered_key(prefix: str) -> str:
    return f"{prefix}:helpdesk:crashkit:entered"


def _block_here(redis, prefix: str, name: str) -> None:  # a Redis client
    """Announce `name`, then wait until this process is killed (once per test and name)."""
    if not redis.set(f"{prefix}:crashkit:once:{name}", 1, nx=True, ex=3600):
        return
    redis.rpush(entered_key(prefix), name)
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:  # orphaned: whoever needed the answer is gone
            os._exit(0)


# -- inside a helpdesk call --------------------------------------------------------------
def block_in(method: str, *, after: bool) -> None:
    from bot.demo.helpdesk import HelpdeskBackend

    original = getattr(HelpdeskBackend, method)
    prefix = os.environ["MISSIONBOT_KEY_PREFIX"]

    @functools.wraps(original)
    def blocking(self: HelpdeskBackend, *args: object, **kwargs: object) -> object:
        result = original(self, *args, **kwargs) if after else None
        _block_here(self.redis, prefix, method)
        return result if after else original(self, *args, **kwargs)

    setattr(HelpdeskBackend, method, blocking)


def serve(method: str) -> None:
    from bot.demo import helpdesk_mcp

    block_in(method, after=os.environ.get("CRASHKIT_AFTER") == "1")
    helpdesk_mcp.main([])


def configs(tmp: Path, method: str | None = None, *, after: bool = False, builtin: bool = False) -> Path:
    """A config directory with support-triage only; its helpdesk blocks in `method` when given, or runs
    in-process (`builtin`: no MCP server to start for each job)."""
    triage = yaml.safe_load((ROOT / "worker_configs" / "support-triage.yml").read_text())
    if builtin:
        triage["integrations"]["helpdesk"] = {"transport": "builtin", "module": "helpdesk"}
    if method:
        triage["integrations"]["helpdesk"] = {
            "transport": "stdio",
            "command": "python",
            "timeout_seconds": 300,
            "args": ["-m", "tests.support.crashkit", "serve", method],
            "env": {"CRASHKIT_AFTER": "1" if after else "0"},
        }
    folder = tmp / f"configs-{method or 'plain'}-{int(after)}-{int(builtin)}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "support-triage.yml").write_text(yaml.safe_dump(triage, sort_keys=False))
    return folder


# -- inside RQ ---------------------------------------------------------------------------
def install_hook(name: str) -> None:
    """Patch RQ so this process blocks at `name` (called from the generated sitecustomize)."""
    from redis import Redis
    from rq.registry import StartedJobRegistry
    from rq.worker.base import BaseWorker

    prefix = os.environ["MISSIONBOT_KEY_PREFIX"]

    def redis() -> Redis:
        return Redis.from_url(os.environ["REDIS_URL"])

    if name == "after_pop":
        original_prepare = BaseWorker.prepare_execution

        def prepare_execution(self: BaseWorker, job):
            if job.func_name == "jobs.missions.run_mission":
                _block_here(redis(), prefix, name)
            return original_prepare(self, job)

        BaseWorker.prepare_execution = prepare_execution
    elif name == "housekeeping":
        original_cleanup = StartedJobRegistry.cleanup

        def cleanup(self: StartedJobRegistry, *args: object, **kwargs: object) -> None:
            if self.name == f"{prefix}-missions":  # the mission queue's cleanup, under its lock
                _block_here(redis(), prefix, name)
            return original_cleanup(self, *args, **kwargs)

        StartedJobRegistry.cleanup = cleanup


def hook_env(tmp: Path, name: str) -> dict[str, str]:
    folder = tmp / "crashkit-site"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(
        "import os\n"
        "if os.environ.get('CRASHKIT_HOOK'):\n"
        "    from tests.support import crashkit\n"
        "    crashkit.install_hook(os.environ['CRASHKIT_HOOK'])\n"
    )
    return {"CRASHKIT_HOOK": name, "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}"}


# -- the process tree --------------------------------------------------------------------
def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(pid: int) -> None:
    """SIGKILL a process and every process under it (a work horse sits in its own process group)."""
    for victim in [pid, *descendants(pid)]:
        with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
            os.kill(victim, signal.SIGKILL)


if __name__ == "__main__":
    role, method = sys.argv[1:3]
    assert role == "serve", role
    serve(method)
