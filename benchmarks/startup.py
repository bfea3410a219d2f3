"""Start-up time and memory: `missionbot serve` until /healthz answers 200, and `missionbot worker`.

    .venv/bin/python -m benchmarks.startup [--rounds 3] [--missions 5] [--json]

serve: wall time from `Popen` to the first 200 from `GET /healthz` (polled every 5 ms) and the CPU seconds
the serving process used until then (`ready_cpu_s`: on a shared, loaded machine the wall time mostly
measures the others' load; the CPU time much less), then the RSS
and PSS of its serving process and, once it reads the inbox, of its handling child
(bot/commands/serve_handling.py).
worker: the supervisor with its RQ worker per queue (`SimpleWorker`, so jobs run in the worker process
itself); RSS of each process once both registered, and again after `--missions` playbook missions ran in
it (`support-triage`, parked on their proposal). That neither imports LangChain is a test
(tests/bot/commands/test_lazy_imports.py). Needs a Redis (REDIS_URL, else
127.0.0.1:6379); everything runs under a scratch key prefix, deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

from redis import Redis

from bot import app
from bot.core.models import Request
from bot.core.settings import Settings
from bot.missions.service import MissionService
from tests.support.crashkit import descendants, kill_tree
from tests.support.mock_slack_api import MockSlackApi
from tests.support.redis_server import cleanup

ROOT = Path(__file__).resolve().parents[1]
GOALS = {"serve_ready_s_max": 1.5, "serve_rss_mb_max": 150}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pss_mb(pid: int) -> float:
    """Proportional set size: shared pages (the interpreter, libraries) split between the processes."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used: a busy shared machine blurs it less than wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def label(pid: int) -> str:
    """`worker --queue missions` and the like; a child of one of those (RQ's scheduler, forked with the same
    command line) by its parent."""
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    if ppid != os.getpid() and "--queue" in Path(f"/proc/{ppid}/cmdline").read_bytes().decode().split("\0"):
        return f"child of {label(ppid)}"
    if "--queue" in argv:
        return f"queue {argv[argv.index('--queue') + 1]}"
    return f"child of {label(ppid)}" if ppid != os.getpid() else " ".join(argv[1:4])


def env_for(redis_url: str, prefix: str, slack_api: str) -> dict[str, str]:
    return {
        **os.environ,
        "REDIS_URL": redis_url,
        "MISSIONBOT_KEY_PREFIX": prefix,
        "MISSIONBOT_AUDIT_KEY": os.environ.get("MISSIONBOT_AUDIT_KEY") or secrets.token_hex(32),
        "SLACK_SIGNING_SECRET": "startup-bench",
        "SLACK_BOT_TOKEN": "xoxb-startup-bench",
        "SLACK_API_URL": slack_api,
        "MISSIONBOT_CONFIG_DIR": str(ROOT / "worker_configs"),
    }


def serve_once(env: dict[str, str], redis: Redis) -> tuple[float, dict[str, float]]:
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - started > 60:
                    raise SystemExit("serve did not start (run it by hand to see why)") from None
                time.sleep(0.005)
        ready, ready_cpu = time.perf_counter() - started, cpu_s(proc.pid)
        time.sleep(0.5)  # anything started in the background after the first answer
        inbox = f"{env['MISSIONBOT_KEY_PREFIX']}:inbox"
        while not redis.exists(inbox):  # the child's first read makes the stream: it is up
            if time.perf_counter() - started > 60:
                raise SystemExit("serve's handling process did not start reading within 60 s")
            time.sleep(0.02)
        [child] = descendants(proc.pid)
        memory = {"ready_cpu_s": ready_cpu, "rss_mb": rss_mb(proc.pid), "pss_mb": pss_mb(proc.pid)}
        return ready, {**memory, "child_rss_mb": rss_mb(child), "child_pss_mb": pss_mb(child)}
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        redis.delete(f"{env['MISSIONBOT_KEY_PREFIX']}:inbox")


def worker_once(env: dict[str, str], redis: Redis, prefix: str, missions: int) -> dict[str, object]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker", "--simple"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started = time.perf_counter()
    try:
        queues = {f"{prefix}-missions", f"{prefix}-actions"}
        while len(registered(redis, queues)) < 2:
            if proc.poll() is not None or time.perf_counter() - started > 60:
                raise SystemExit("the worker did not register within 60 s")
            time.sleep(0.02)
        ready = time.perf_counter() - started
        children = descendants(proc.pid)
        idle = {"supervisor": rss_mb(proc.pid), **{label(c): rss_mb(c) for c in children}}
        rt = app.create_runtime(settings=Settings(), redis=redis)
        svc = MissionService(rt)
        ids = [
            svc.submit(
                Request(
                    platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=f"ESC-{1042 + i}"
                )
            ).mission.id
            for i in range(missions)
        ]
        deadline = time.monotonic() + 120
        while any(
            rt.store.mission(m).is_open and rt.store.mission(m).status != "awaiting_approval" for m in ids
        ):
            if time.monotonic() > deadline:
                raise SystemExit("missions did not park within 120 s")
            time.sleep(0.05)
        busy = {label(c): rss_mb(c) for c in children}
        return {"ready_s": ready, "idle_rss_mb": idle, "after_missions_rss_mb": busy}
    finally:
        kill_tree(proc.pid)
        proc.wait(10)


def registered(redis: Redis, queues: set[str]) -> list[bytes]:
    found = []
    for key in redis.smembers("rq:workers"):
        names = redis.hget(key, "queues")
        if names and set(names.decode().split(",")) & queues:
            found.append(key)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--missions", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = parser.parse_args()
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    redis, prefix = Redis.from_url(redis_url), f"mbstart{uuid.uuid4().hex[:8]}"
    api = MockSlackApi()
    api.start()
    env = env_for(redis_url, prefix, api.url)
    os.environ.update({k: env[k] for k in ("REDIS_URL", "MISSIONBOT_KEY_PREFIX", "MISSIONBOT_AUDIT_KEY")})
    os.environ["MISSIONBOT_CONFIG_DIR"] = env["MISSIONBOT_CONFIG_DIR"]
    try:
        serves = [serve_once(env, redis) for _ in range(args.rounds)]
        worker = worker_once(env, redis, prefix, args.missions)
    finally:
        api.stop()
        cleanup(redis, prefix)
    figures = {
        "benchmark": "startup",
        "rounds": args.rounds,
        "serve_ready_s": statistics.median(r for r, _ in serves),
        "serve_ready_s_all": [round(r, 3) for r, _ in serves],
        **{f"serve_{k}": statistics.median(m[k] for _, m in serves) for k in serves[0][1]},
        "load_average": os.getloadavg(),
        "worker": worker,
        **GOALS,
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"serve ready (start -> /healthz 200), median of {args.rounds}: {figures['serve_ready_s']:.2f} s "
        f"({figures['serve_ready_cpu_s']:.2f} s of CPU)"
    )
    print(
        f"serve RSS {figures['serve_rss_mb']:.0f} MB (PSS {figures['serve_pss_mb']:.0f}); "
        f"its handling process RSS {figures['serve_child_rss_mb']:.0f} MB "
        f"(PSS {figures['serve_child_pss_mb']:.0f})"
    )
    idle, busy = worker["idle_rss_mb"], worker["after_missions_rss_mb"]
    print(f"worker ready (start -> both queue workers registered): {worker['ready_s']:.2f} s")
    print("worker RSS, MB:", ", ".join(f"{name} {mb:.0f}" for name, mb in idle.items()))
    print(f"after {args.missions} playbook missions:", ", ".join(f"{n} {mb:.0f}" for n, mb in busy.items()))


if __name__ == "__main__":
    main()
