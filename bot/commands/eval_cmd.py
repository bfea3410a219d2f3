"""`missionbot eval <worker> --dataset cases.jsonl --pass-rate 0.9 [--report out.json]`.

The JSON report goes to `--report`, else to `reports/eval-<worker>.json` (created if missing; git-ignored),
so a CI run always leaves one to archive.

Runs on an embedded Redis by default, so production state is never touched; `--redis-url` uses a
given server under a fresh key prefix that is deleted afterwards. Exit 0 at or over the pass rate, 1
under it, 2 on unusable input.
"""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path

from bot.commands.common import workers_or_exit
from bot.core.audit_keys import throwaway_key
from bot.core.embedded_redis import EmbeddedRedis
from bot.core.redis_client import redis_from_url
from bot.core.settings import Settings
from bot.evals import load_cases, report, run_cases, table

DEFAULT_REPORT = "reports/eval-{worker}.json"


def run(args: argparse.Namespace) -> int:
    throwaway_key(Settings(), command="eval")  # cases run on a scratch Redis: nothing there to verify later
    workers = workers_or_exit(Settings(), args.config_dir)
    if args.worker not in workers:
        print(f"no worker {args.worker!r}; known: {', '.join(sorted(workers))}")
        return 2
    try:
        cases = load_cases(Path(args.dataset))
    except (OSError, ValueError) as err:
        print(f"cannot read the dataset: {err}")
        return 2
    if not cases:
        print(f"{args.dataset} holds no cases")
        return 2
    with contextlib.ExitStack() as stack:
        url = args.redis_url or stack.enter_context(EmbeddedRedis()).url
        redis = redis_from_url(url)
        stack.callback(redis.close)
        results = run_cases(redis=redis, worker=workers[args.worker], workers=workers, cases=cases)
    summary = report(args.worker, args.dataset, results, args.pass_rate)
    print(table(results))
    print(
        f"\n{args.worker}: {summary['passed']}/{summary['cases']} passed, "
        f"pass rate {summary['pass_rate']:.1%} "
        f"(threshold {args.pass_rate:.1%}): {'OK' if summary['ok'] else 'BELOW THRESHOLD'}"
    )
    path = Path(args.report or DEFAULT_REPORT.format(worker=args.worker))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str))
    print(f"report: {path}")
    return 0 if summary["ok"] else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval", help="run a worker in shadow against a JSONL dataset; exit 1 under --pass-rate"
    )
    p.add_argument("worker")
    p.add_argument("--dataset", required=True)
    p.add_argument("--pass-rate", type=float, default=0.9)
    p.add_argument("--report", help="write the JSON report here (default: reports/eval-<worker>.json)")
    p.add_argument("--redis-url", help="use this Redis (under a fresh, deleted-afterwards key prefix)")
    p.add_argument("--config-dir", help="worker configs (default: MISSIONBOT_CONFIG_DIR or worker_configs/)")
    p.set_defaults(func=run)
