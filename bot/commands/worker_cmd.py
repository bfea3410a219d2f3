"""`missionbot worker`: RQ workers on the mission and action queues."""

from __future__ import annotations

import argparse
import logging

from rq import SimpleWorker, Worker

from bot import runtime
from bot.commands.common import add_insecure_audit_key_flag, process_runtime
from bot.settings import Settings


def start(settings: Settings, *, burst: bool, simple: bool, insecure_audit_key: bool = False) -> bool:
    rt = process_runtime(settings, "worker", insecure_audit_key=insecure_audit_key)
    runtime.install(rt)
    cls = SimpleWorker if simple else Worker
    worker = cls([rt.missions_queue, rt.actions_queue], connection=rt.redis)
    return worker.work(burst=burst, with_scheduler=True, logging_level=logging.WARNING)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    start(Settings(), burst=args.burst, simple=args.simple, insecure_audit_key=args.insecure_audit_key)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="RQ worker(s) for the mission and action queues")
    p.add_argument("--burst", action="store_true", help="drain the queues, then exit")
    p.add_argument("--simple", action="store_true", help="run jobs in this process (no fork per job)")
    add_insecure_audit_key_flag(p)
    p.set_defaults(func=run)
