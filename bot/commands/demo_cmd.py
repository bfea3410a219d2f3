"""`missionbot demo` and `missionbot shell`: embedded Redis (unless REDIS_URL), a worker process, the shell."""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator

from redis import Redis

from bot import runtime
from bot.audit_config import record_config_versions
from bot.audit_keys import throwaway_key
from bot.commands.common import config_dir, workers_or_exit
from bot.demo.helpdesk import HelpdeskBackend
from bot.embedded_redis import EmbeddedRedis
from bot.settings import Settings
from bot.surfaces.shell import ConsoleSurface


@contextlib.contextmanager
def local_stack(settings: Settings, *, command: str = "demo") -> Iterator[tuple[runtime.Runtime, WorkerProcess]]:
    """Redis (embedded when REDIS_URL is unset), the runtime, seeded demo data and one worker process."""
    settings = throwaway_key(settings, command=command)  # before the worker's environment is copied
    with contextlib.ExitStack() as stack:
        url = settings.redis_url or stack.enter_context(EmbeddedRedis()).url
        redis = Redis.from_url(url)
        workers = workers_or_exit(settings)
        rt = runtime.create_runtime(settings=settings, redis=redis, workers=workers)
        record_config_versions(rt, actor=f"system:{command}")
        HelpdeskBackend(redis=redis, prefix=settings.key_prefix, clock=rt.clock).seed()
        env = {**os.environ, "REDIS_URL": url, "MISSIONBOT_KEY_PREFIX": settings.key_prefix,
               "MISSIONBOT_CONFIG_DIR": str(config_dir(settings).resolve())}
        worker = WorkerProcess(env)
        stack.callback(worker.stop)
        worker.start()
        yield rt, worker


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


def run_shell(args: argparse.Namespace) -> int:
    with local_stack(Settings(), command="shell") as (rt, _):
        ConsoleSurface(rt, user=args.user, channel=args.channel).interact()
    return 0


def run_demo(args: argparse.Namespace) -> int:
    settings = Settings()
    with local_stack(settings) as (rt, worker):
        if args.script:
            from bot.demo.story import play

            return play(rt, worker=worker)
        print("missionbot demo: embedded Redis and a worker are running. Try:\n"
              "  ESC-1042 checkout was down, customer asks for a credit\n"
              "then /as U0OWNER1 and /approve 1. /help lists everything.\n")
        ConsoleSurface(rt, user="U0AGENT", channel="C0SUPPORT").interact()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("shell", help="chat with the workers in the terminal")
    p.add_argument("--as", dest="user", default="U0AGENT", help="user id to start as")
    p.add_argument("--channel", default="C0SUPPORT")
    p.set_defaults(func=run_shell)
    p = sub.add_parser("demo", help="the whole loop on this machine, nothing to configure")
    p.add_argument("--script", action="store_true", help="play the escalation story non-interactively")
    p.set_defaults(func=run_demo)
