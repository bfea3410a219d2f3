"""`missionbot scheduler`: RQ's CronScheduler enqueues the escalation sweep every minute, the recovery
sweep every `MISSIONBOT_SWEEP_SECONDS`, the digests and, when a retention is set, the hourly retention sweep.

The digest job is enqueued every 15 minutes and sends only when the worker's local day and hour
have come (`digest:` in its config), once per week: cron expressions in RQ run on the server's
local time, so the timezone and DST are handled in the job, not in the expression.

Several schedulers may run on one Redis: each job is enqueued once per period between them
(bot/commands/scheduler_periods.py). The loop is RQ's (`CronScheduler.start`) with one change: a Redis
outage is waited out (logged once) instead of ending the process.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import threading

from rq.cron import CronScheduler

from bot.commands.common import add_insecure_audit_key_flag, add_metrics_port_flag, process_runtime
from bot.commands.scheduler_periods import PeriodCronScheduler
from bot.core import log_format, metrics, runtime
from bot.core.metrics_port import MetricsServer
from bot.core.metrics_redis import RedisCollector
from bot.core.outage import REDIS_DOWN, Outage
from bot.core.settings import Settings
from jobs.sweeps import sweep_escalations, sweep_recovery, sweep_retention, weekly_digest

log = logging.getLogger("missionbot.scheduler")

SWEEP_SECONDS = 60
RETENTION_SECONDS = 3600
DIGEST_CHECK = "*/15 * * * *"


def build_scheduler(rt: runtime.Runtime, *, name: str | None = None) -> CronScheduler:
    prefix = rt.settings.key_prefix
    cron = PeriodCronScheduler(  # one enqueue per job and period across every scheduler process
        connection=rt.redis,
        logging_level=logging.WARNING,
        name=name or f"{prefix}:{socket.gethostname()}:{os.getpid()}",
    )
    queue = rt.actions_queue.name  # the queue `missionbot worker` already serves
    cron.register(
        sweep_escalations,
        queue_name=queue,
        interval=SWEEP_SECONDS,
        job_timeout=300,
        result_ttl=600,
        name=f"{prefix}:sweep_escalations",
    )
    every = rt.settings.sweep_seconds  # a sweep not started by the next one's turn is dropped (`ttl`)
    cron.register(
        sweep_recovery,
        queue_name=queue,
        interval=every,
        job_timeout=300,
        ttl=max(every * 2, 10),
        result_ttl=600,
        name=f"{prefix}:sweep_recovery",
    )
    if rt.settings.record_retention_days is not None or rt.settings.audit_retention_days is not None:
        cron.register(
            sweep_retention,
            queue_name=queue,
            interval=RETENTION_SECONDS,
            job_timeout=1800,
            result_ttl=3600,
            name=f"{prefix}:sweep_retention",
        )
    for worker in sorted(rt.workers):
        cron.register(
            weekly_digest,
            queue_name=queue,
            args=(worker,),
            cron=DIGEST_CHECK,
            job_timeout=300,
            result_ttl=3600,
            name=f"{prefix}:weekly_digest:{worker}",
        )
    return cron


def run(args: argparse.Namespace) -> int:
    settings = Settings()
    log_format.configure(fmt=settings.log_format, role="scheduler", level=settings.log_level)
    rt = process_runtime(settings, "scheduler", insecure_audit_key=args.insecure_audit_key)
    cron = build_scheduler(rt)
    for job in cron.get_jobs():
        print(
            f"scheduled {job.name}: " + (f"every {job.interval}s" if job.interval else f"cron '{job.cron}'")
        )
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    server = None
    if args.metrics_port is not None:  # the queue and worker gauges, read from Redis at each scrape
        collector = RedisCollector(rt)
        server = MetricsServer(port=args.metrics_port, body=lambda: metrics.exposition(collector))
    try:
        run_forever(cron, stop=stop)
    finally:
        if server is not None:
            server.close()
    return 0


def run_forever(cron: CronScheduler, *, stop: threading.Event) -> None:
    """CronScheduler.start's rounds (enqueue what is due, save, heartbeat, sleep) until `stop` is set."""
    outage = Outage(log=log, what="scheduler")
    registered = False
    while not stop.is_set():
        try:
            if not registered:
                cron.register_birth()
                registered = True
            if cron.enqueue_jobs():
                cron.save()
            cron.heartbeat()
        except REDIS_DOWN as err:
            outage.down(err)
            registered = False
            outage.wait_for(cron.connection, stop=stop)
            continue
        outage.up()
        stop.wait(cron.calculate_sleep_interval())
    with contextlib.suppress(*REDIS_DOWN):  # down at exit: its registry entry expires on its own
        cron.register_death()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("scheduler", help="RQ cron: escalation and recovery sweeps, weekly digests")
    add_insecure_audit_key_flag(p)
    add_metrics_port_flag(p)
    p.set_defaults(func=run)
