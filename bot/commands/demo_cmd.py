"""`missionbot demo` and `missionbot shell`: embedded Redis (unless REDIS_URL), a worker process,
the shell."""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Iterator

from bot import app
from bot.commands.common import config_dir, workers_or_exit
from bot.core import runtime
from bot.core.audit_config import record_config_versions
from bot.core.audit_keys import throwaway_key
from bot.core.embedded_redis import EmbeddedRedis
from bot.core.redis_client import redis_from_url
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from bot.demo.story import play
from bot.demo.worker_process import WorkerProcess
from handlers.console.shell import ConsoleSurface


@contextlib.contextmanager
def local_stack(
    settings: Settings, *, command: str = "demo"
) -> Iterator[tuple[runtime.Runtime, WorkerProcess]]:
    """Redis (embedded when REDIS_URL is unset), the runtime, seeded demo data and one worker process."""
    settings = throwaway_key(settings, command=command)  # before the worker's environment is copied
    with contextlib.ExitStack() as stack:
        url = settings.redis_url or stack.enter_context(EmbeddedRedis()).url
        redis = redis_from_url(url)
        workers = workers_or_exit(settings)
        rt = app.create_runtime(settings=settings, redis=redis, workers=workers)
        record_config_versions(rt, actor=f"system:{command}")
        HelpdeskBackend(redis=redis, prefix=settings.key_prefix, clock=rt.clock).seed()
        env = {
            **os.environ,
            "REDIS_URL": url,
            "MISSIONBOT_KEY_PREFIX": settings.key_prefix,
            "MISSIONBOT_CONFIG_DIR": str(config_dir(settings).resolve()),
        }
        worker = WorkerProcess(env)
        stack.callback(worker.stop)
        worker.start()
        yield rt, worker


def run_shell(args: argparse.Namespace) -> int:
    with local_stack(Settings(), command="shell") as (rt, _):
        ConsoleSurface(rt, user=args.user, channel=args.channel).interact()
    return 0


def run_demo(args: argparse.Namespace) -> int:
    settings = Settings()
    with local_stack(settings) as (rt, worker):
        if args.script:
            return play(rt, worker=worker)
        print(
            "missionbot demo: embedded Redis and a worker are running. Try:\n"
            "  ESC-1042 checkout was down, customer asks for a credit\n"
            "then /as U0OWNER1 and /approve 1. /help lists everything.\n"
        )
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
