"""`missionbot serve`'s handling process: started, watched and stopped by `serve` itself (`Supervisor`),
so an operator still runs one command (MISSIONBOT_SERVE_HANDLING=inline keeps the handling in serve's
own threads instead).

The serving process only acks: what it accepts goes into the inbox unread (bot/core/inbox.py), and this
child reads and handles it (bot/missions/inbox_consumer.py). The child is restarted when it dies, with a
log line and `missionbot_serve_handler_restarts_total`; the new one adopts what the dead one held at
once. It stops when serve tells it to (a "stop" line on its stdin, after serve has stopped accepting) or
when its stdin closes (serve died): either way it first handles what is still unread, then exits 0. It
runs in a process group of its own, so a terminal's Ctrl-C reaches serve alone, which then stops it in
order, and at a lower priority (niceness 10): when both want the CPU, the acks get it.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from bot.core import metrics

log = logging.getLogger("bot.commands.serve_handling")  # not __main__ in the child

# The handling yields the CPU to the acks when both want it (2 busy cores): an ack is what Slack times.
NICENESS = 10
RESTART_DELAY = (0.5, 30.0)  # first and longest wait before starting a dead child again
STOP_TIMEOUT = 60.0  # then the child is killed: what it held stays pending for the recovery sweep


def child_argv(*, adopt: str | None = None, insecure_audit_key: bool = False) -> list[str]:
    return [
        sys.executable,
        "-m",
        __name__,
        *(["--adopt", adopt] if adopt else []),
        *(["--insecure-audit-key"] if insecure_audit_key else []),
    ]


class Supervisor:
    """One handling child at a time, restarted when it dies until `stop`. Thread-based, so it fits any
    event loop (serve's) or none (the benchmark)."""

    def __init__(self, *, insecure_audit_key: bool = False, env: dict[str, str] | None = None) -> None:
        self.insecure_audit_key, self.env = insecure_audit_key, env
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None

    def start(self) -> None:
        self._spawn(adopt=None)
        self._watcher = threading.Thread(target=self._watch, name="serve-handling", daemon=True)
        self._watcher.start()

    def _spawn(self, *, adopt: str | None) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            argv = child_argv(adopt=adopt, insecure_audit_key=self.insecure_audit_key)
            # A process group of its own, not a session: the terminal's Ctrl-C reaches serve alone, and the
            # child stays in serve's scheduling autogroup, where its niceness yields the CPU to the acks (a
            # session of its own would be an autogroup as heavy as serve's, whatever its niceness).
            self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, env=self.env, process_group=0)
            log.info("handling process %d started", self.proc.pid)

    def _watch(self) -> None:
        from bot.core.inbox import consumer_name

        delay = RESTART_DELAY[0]
        while not self._stopping.is_set():
            proc, began = self.proc, time.monotonic()
            assert proc is not None
            code = proc.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - began > RESTART_DELAY[1]:
                delay = RESTART_DELAY[0]  # it had been running well: not a crash loop
            self.restarts += 1
            metrics.HANDLER_RESTARTS.inc()
            log.error("handling process %d exited (%s); starting another in %.1f s", proc.pid, code, delay)
            if self._stopping.wait(delay):
                return
            self._spawn(adopt=consumer_name(proc.pid))  # what it held, at once: it is known to be dead
            delay = min(delay * 2, RESTART_DELAY[1])

    def stop(self, *, timeout: float = STOP_TIMEOUT) -> int | None:
        """Tell the child to finish (after serve stopped accepting) and wait for it; its exit code."""
        with self._lock:
            self._stopping.set()
            proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None and proc.stdin is not None:
            try:
                proc.stdin.write(b"stop\n")
                proc.stdin.close()
            except OSError:  # it died meanwhile
                pass
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log.error("handling process %d did not stop within %.0f s: killed", proc.pid, timeout)
            proc.kill()
            code = proc.wait()
        (log.info if code == 0 else log.error)("handling process %d stopped (%s)", proc.pid, code)
        return code


def _stop_when_told(stop: threading.Event) -> None:
    """A "stop" line, or the end of stdin (serve is gone), or SIGTERM: `stop`."""

    def watch() -> None:
        for line in sys.stdin.buffer:
            if line.strip() == b"stop":
                break
        stop.set()

    threading.Thread(target=watch, name="stop-watch", daemon=True).start()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="missionbot serve's handling process (started by serve)")
    parser.add_argument("--adopt", default=None, help="a dead predecessor's consumer name")
    parser.add_argument("--insecure-audit-key", action="store_true")
    args = parser.parse_args(argv)
    stop = threading.Event()
    _stop_when_told(stop)
    os.nice(NICENESS)

    from bot.commands.common import process_runtime
    from bot.core import log_format
    from bot.core.inbox import Inbox
    from bot.core.settings import Settings
    from bot.missions.inbox_consumer import Consumer
    from bot.missions.intake import Intake
    from bot.missions.service import MissionService

    settings = Settings()
    log_format.configure(fmt=settings.log_format, role="serve", level=settings.log_level)
    rt = process_runtime(settings, "serve", insecure_audit_key=args.insecure_audit_key)
    service = MissionService(rt)

    def after(entry) -> None:  # noqa: ANN001 - an inbox Entry
        if entry.kind == "click" and not entry.fields.get("conversation"):
            from handlers.slack.home import refresh_after_click  # bolt loads only for App Home clicks

            refresh_after_click(entry, service=service, rt=rt)

    inbox = Inbox(redis=rt.redis, prefix=settings.key_prefix)
    consumer = Consumer(Intake(service, consumer=inbox.consumer), inbox, after=after)
    log.info("handling process ready: reading the inbox")
    consumer.run(stop, adopt=args.adopt)
    log.info("handling process: handled %d entries; stopped", consumer.handled)
    return 0


if __name__ == "__main__":
    sys.exit(main())
