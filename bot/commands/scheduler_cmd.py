"""`missionbot scheduler`: RQ's CronScheduler enqueues the escalation sweep every minute and the digests.

The digest job is enqueued every 15 minutes and sends only when the worker's local day and hour
have come (`digest:` in its config), once per week: cron expressions in RQ run on the server's
local time, so the timezone and DST are handled in the job, not in the expression.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket

from rq.cron import CronScheduler

from bot import runtime
from bot.commands.common import add_insecure_audit_key_flag, process_runtime
from bot.settings import Settings
from jobs.sweeps import sweep_escalations, weekly_digest

SWEEP_SECONDS = 60
DIGEST_CHECK = "*/15 * * * *"


def build_scheduler(rt: runtime.Runtime, *, name: str | None = None) -> CronScheduler:
    prefix = rt.settings.key_prefix
    cron = CronScheduler(connection=rt.redis, logging_level=logging.WARNING,
                         name=name or f"{prefix}:{socket.gethostname()}:{os.getpid()}")
    queue = rt.actions_queue.name  # the queue `missionbot worker` already serves
    cron.register(sweep_escalations, queue_name=queue, interval=SWEEP_SECONDS, job_timeout=300,
                  result_ttl=600, name=f"{prefix}:sweep_escalations")
    for worker in sorted(rt.workers):
        cron.register(weekly_digest, queue_name=queue, args=(worker,), cron=DIGEST_CHECK, job_timeout=300,
                      result_ttl=3600, name=f"{prefix}:weekly_digest:{worker}")
    return cron


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings()
    rt = process_runtime(settings, "scheduler", insecure_audit_key=args.insecure_audit_key)
    cron = build_scheduler(rt)
    for job in cron.get_jobs():
        print(f"scheduled {job.name}: " + (f"every {job.interval}s" if job.interval else f"cron '{job.cron}'"))
    cron.start()  # RQ's own loop: sleeps until the next job is due, stops on SIGTERM/SIGINT
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scheduler", help="RQ cron: escalation sweeps every minute, weekly digests")
    add_insecure_audit_key_flag(p)
    p.set_defaults(func=run)
