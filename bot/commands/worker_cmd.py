"""`missionbot worker`: one RQ worker process per queue (missions, actions), supervised.

RQ moves each job it pops to the queue's crash-safe intermediate list only when the worker listens on a
single queue, so each queue gets its own process (`missionbot worker --queue NAME`). The supervisor holds
no Redis connection: it restarts a child that dies (with backoff) and passes SIGTERM/SIGINT on, then
waits while each child finishes the job in hand (RQ's warm shutdown).

`--metrics-port PORT` serves `/metrics` and `/healthz` from the supervisor: its children and their RQ
work-horses write their counts to a multiprocess directory it owns (bot/core/metrics_port.py).
"""

from __future__ import annotations

import argparse
import logging
import signal
import subprocess
import sys
import threading
import time

import jobs
from bot import app
from bot.commands.common import (
    add_insecure_audit_key_flag,
    add_metrics_port_flag,
    audit_key_or_exit,
    config_dir,
    process_runtime,
    redis_or_exit,
    workers_or_exit,
)
from bot.core import log_format, metrics_port, rq_worker
from bot.core.runtime import Runtime
from bot.core.settings import Settings

log = logging.getLogger("missionbot.worker")
QUEUES = ("missions", "actions")
MAX_RESTART_DELAY = 30.0
HEALTHY_RUN = 60.0  # a child that ran this long starts its next restart delay from one second again


def run_queue(settings: Settings, name: str, *, burst: bool, simple: bool, insecure_audit_key: bool) -> int:
    rt = process_runtime(settings, "worker", insecure_audit_key=insecure_audit_key)
    app.install(rt)
    warm(rt)
    queue = rt.missions_queue if name == "missions" else rt.actions_queue
    rq_worker.work_forever(queue, settings=settings, simple=simple, burst=burst)
    return 0


def warm(rt: Runtime) -> None:
    """What a forked work horse inherits instead of doing again for every job: the job functions loaded
    (RQ imports a job's module in the horse, and with it the mission loop's) and the configs' templates
    compiled (`app.warm`)."""
    for name in jobs.__all__:
        getattr(jobs, name)
    app.warm(rt)


class Supervisor:
    def __init__(self, *, burst: bool, simple: bool, insecure_audit_key: bool = False) -> None:
        self.burst, self.simple, self.insecure_audit_key = burst, simple, insecure_audit_key
        self.stop = threading.Event()
        self.children: dict[str, subprocess.Popen] = {}
        self.started: dict[str, float] = {}
        self.delay: dict[str, float] = dict.fromkeys(QUEUES, 1.0)
        self.due: dict[str, float] = {}

    def _spawn(self, name: str) -> None:
        argv = [sys.executable, "-m", "bot.cli", "worker", "--queue", name]
        argv += ["--burst"] if self.burst else []
        argv += ["--simple"] if self.simple else []
        argv += ["--insecure-audit-key"] if self.insecure_audit_key else []
        self.children[name] = subprocess.Popen(argv)
        self.started[name] = time.monotonic()
        if self.stop.is_set():  # the signal landed while this child was being started: pass it on
            self.children[name].send_signal(signal.SIGTERM)

    def _signal(self, signum: int, _frame: object) -> None:
        self.stop.set()
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signum)

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._signal)
        signal.signal(signal.SIGINT, self._signal)
        for name in QUEUES:
            self._spawn(name)
        codes: dict[str, int] = {}
        while not self.stop.is_set() and len(codes) < len(QUEUES):
            for name, child in list(self.children.items()):
                code = child.poll()
                if code is None or name in codes:
                    continue
                if self.burst:
                    codes[name] = code
                elif name not in self.due:
                    self._schedule_restart(name, code)
            for name, at in list(self.due.items()):
                if time.monotonic() >= at and not self.stop.is_set():
                    del self.due[name]
                    self._spawn(name)
            self.stop.wait(0.2)
        for name, child in self.children.items():
            codes.setdefault(name, child.wait())  # a stopping child finishes the job in hand first
        return max(codes.values(), default=0)

    def _schedule_restart(self, name: str, code: int) -> None:
        if time.monotonic() - self.started[name] >= HEALTHY_RUN:
            self.delay[name] = 1.0
        log.warning("worker %s exited (code %s); restarting in %.0fs", name, code, self.delay[name])
        self.due[name] = time.monotonic() + self.delay[name]
        self.delay[name] = min(self.delay[name] * 2, MAX_RESTART_DELAY)


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    log_format.configure(fmt=settings.log_format, role="worker", level=settings.log_level)
    if args.queue:
        return run_queue(
            settings,
            args.queue,
            burst=args.burst,
            simple=args.simple,
            insecure_audit_key=args.insecure_audit_key,
        )
    # Refuse to start (exit 2) before any child does: no audit key, no Redis, a broken config.
    audit_key_or_exit(settings, "worker", insecure=args.insecure_audit_key)
    redis_or_exit(settings, "worker")
    workers_or_exit(settings, str(config_dir(settings)))
    with metrics_port.supervisor_metrics(args.metrics_port):  # before the children: they inherit its dir
        supervisor = Supervisor(
            burst=args.burst, simple=args.simple, insecure_audit_key=args.insecure_audit_key
        )
        return supervisor.run()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="RQ workers for the mission and action queues (one process per queue)")
    p.add_argument("--burst", action="store_true", help="drain the queues, then exit")
    p.add_argument("--simple", action="store_true", help="run jobs in this process (no fork per job)")
    add_insecure_audit_key_flag(p)
    add_metrics_port_flag(p)
    p.add_argument(
        "--queue", choices=QUEUES, help="run only this queue's worker (what the supervisor starts)"
    )
    p.set_defaults(func=run)
