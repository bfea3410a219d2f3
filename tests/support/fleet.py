"""Real `missionbot worker`, `scheduler` and `serve` processes for crash and restart tests.

Each runs as `sys.executable -m bot.cli ...` from the repo root, with recovery timings shortened through
the environment (the production code reads them from `MISSIONBOT_...` settings) but waited for for real.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis

from tests.support.crashkit import ROOT, kill_tree

FAST = {  # heartbeat every 1 s; a dead worker's job is retried once 1 + 3 s have passed and a sweep ran
    "MISSIONBOT_JOB_HEARTBEAT": "1",
    "MISSIONBOT_ABANDONED_AFTER": "3",
    "MISSIONBOT_SWEEP_SECONDS": "2",
    "MISSIONBOT_WORKER_TTL": "20",
    "MISSIONBOT_RECOVERY_GRACE": "3",
}


@dataclass
class Fleet:
    redis_url: str
    prefix: str
    config_dir: Path
    logs: Path
    extra: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def env(self, **more: str) -> dict[str, str]:
        return {
            **os.environ,
            **FAST,
            "REDIS_URL": self.redis_url,
            "MISSIONBOT_KEY_PREFIX": self.prefix,
            "MISSIONBOT_CONFIG_DIR": str(self.config_dir),
            **self.extra,
            **more,
        }

    def start(self, name: str, *argv: str, config_dir: Path | None = None, **env: str) -> subprocess.Popen:
        if config_dir is not None:
            env["MISSIONBOT_CONFIG_DIR"] = str(config_dir)
        self.logs.mkdir(parents=True, exist_ok=True)
        out = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child writes to it until it ends
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *argv],
            cwd=ROOT,
            env=self.env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def worker(self, **kw: object) -> subprocess.Popen:
        return self.start("worker", "worker", **kw)  # type: ignore[arg-type]

    def scheduler(self) -> subprocess.Popen:
        return self.start("scheduler", "scheduler")

    def serve(self, port: int) -> subprocess.Popen:
        return self.start("serve", "serve", "--port", str(port), "--teams-dev-anonymous")

    def alive(self) -> dict[str, int | None]:
        return {name: proc.poll() for name, proc in self.procs.items()}

    def kill(self, name: str) -> None:
        proc = self.procs.pop(name)
        kill_tree(proc.pid)
        proc.wait()

    def stop(self) -> dict[str, int]:
        """SIGTERM each process and wait for it (the worker finishes the job in hand)."""
        codes = {}
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in list(self.procs.items()):
            try:
                codes[name] = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                kill_tree(proc.pid)
                codes[name] = proc.wait()
            del self.procs[name]
        return codes

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def wait_for(
    check: Callable[[], object],
    *,
    timeout: float,
    what: str,
    poll: float = 0.1,
    alive: Callable[[], bool] = lambda: True,
) -> float:
    """Seconds until `check()` is truthy; fails after `timeout` (a real wait, nothing skipped)."""
    start = time.monotonic()
    if os.environ.get("FLEET_DEBUG"):
        print(f"{time.strftime('%X')} waiting for {what}", flush=True)
    while not check():
        assert alive(), f"process died while waiting for {what}"
        assert time.monotonic() - start < timeout, f"{what}: not within {timeout:.0f}s"
        time.sleep(poll)
    return time.monotonic() - start


def wait_entered(redis, prefix: str, name: str, *, timeout: float = 90) -> None:
    from tests.support.crashkit import entered_key

    wait_for(
        lambda: name.encode() in redis.lrange(entered_key(prefix), 0, -1),
        timeout=timeout,
        what=f"the worker reaching {name}",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of the test's own (AOF, fsync every second) that it may stop, kill and restart."""

    def __init__(self, folder: Path, *, aof: bool = True) -> None:
        # aof=False: start from the folder's dump.rdb (with AOF on and no AOF yet, Redis starts empty)
        self.folder, self.port, self.aof = folder, free_port(), aof
        self.folder.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        argv = [
            "/usr/bin/redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.folder),
            "--appendonly",
            "yes" if self.aof else "no",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
        ]
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.url)
        wait_for(lambda: _pings(client), timeout=30, what="redis-server up")
        client.close()

    def shutdown(self) -> None:
        """A clean stop: SHUTDOWN writes the AOF out first."""
        with contextlib.suppress(Exception):  # the connection drops as the server exits
            Redis.from_url(self.url).shutdown()
        assert self.proc is not None
        self.proc.wait(timeout=30)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()


def _pings(client: Redis) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # not up yet
        return False
