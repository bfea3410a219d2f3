"""Kill the worker tree again and again while missions and approvals flow; then count what was lost.

Shared by the soak test (tests/soak/) and `python -m benchmarks.crash_soak`. Real processes (`missionbot
worker` and `missionbot scheduler`), real SIGKILLs of the whole worker tree, each at a random moment
after the restarted worker has registered; recovery timings from tests/support/fleet.py's FAST settings.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from redis import Redis
from rq import Worker

from bot import app
from bot.core import runtime
from bot.core.models import Request
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger
from tests.support import crashkit
from tests.support.crashkit import ROOT, descendants
from tests.support.fleet import Fleet

TICKETS = ["ESC-1042", "ESC-1043", "ESC-1044", "ESC-1046"]  # approve, approve, forbidden, approve


@dataclass(kw_only=True)
class SoakResult:
    missions: int
    kills: int
    unsettled: int  # still open when the wait ended
    failed: int  # closed as failed
    credits: int  # side effects in the helpdesk
    executed: int  # proposals recorded as executed
    duplicate_posts: int  # thread messages posted more than once
    settle_seconds: (
        float | None
    )  # from the last kill until every mission was closed (None: not within the wait)
    audit_ok: bool

    @property
    def duplicated(self) -> int:
        return self.credits - self.executed + self.duplicate_posts


def _ready(rt: runtime.Runtime, supervisor: int) -> bool:
    """Both queue workers of this worker tree are registered (a killed one's record outlives it)."""
    tree = set(descendants(supervisor))
    return all(any(w.pid in tree for w in Worker.all(queue=q)) for q in (rt.missions_queue, rt.actions_queue))


def _approve(rt: runtime.Runtime, missions: list[str]) -> None:
    service = MissionService(rt)
    for mission_id in missions:
        for pid in rt.store.mission(mission_id).proposals:
            if rt.store.proposal(pid).status == "pending":
                service.decide(pid, actor="U0OWNER1", approve=True, platform="console")


def _open(rt: runtime.Runtime, missions: list[str]) -> list[str]:
    return [m for m in missions if rt.store.mission(m).is_open]


def soak(
    *,
    redis_url: str,
    prefix: str,
    folder: Path,
    kills: int,
    missions: int,
    max_pause: float = 4.0,
    settle_wait: float = 120.0,
    seed: int = 0,
    mcp: bool = False,
    log=print,
) -> SoakResult:
    """`mcp=False`: the helpdesk runs in-process, so the figures are the recovery's, not MCP start-ups'."""
    rng = random.Random(seed)
    redis = Redis.from_url(redis_url)
    settings = Settings(
        REDIS_URL=redis_url, MISSIONBOT_KEY_PREFIX=prefix, MISSIONBOT_CONFIG_DIR=ROOT / "worker_configs"
    )
    rt = app.create_runtime(settings=settings, redis=redis)
    HelpdeskBackend(redis=redis, prefix=prefix, clock=rt.clock).seed()
    fleet = Fleet(
        redis_url=redis_url,
        prefix=prefix,
        config_dir=crashkit.configs(folder, builtin=not mcp),
        logs=folder / "logs",
    )
    submitted: list[str] = []
    try:
        fleet.scheduler()
        worker = fleet.worker()
        last_kill = time.monotonic()
        for n in range(kills):
            # Spread over every round, up to the last kill: work is in flight whenever a kill lands.
            for _ in range((n + 1) * missions // kills - n * missions // kills):
                request = Request(
                    platform="console",
                    conversation="C0SUPPORT",
                    requester="U0AGENT",
                    text=rng.choice(TICKETS),
                )
                submitted.append(MissionService(rt).submit(request).mission.id)
            deadline = time.monotonic() + 120
            while not _ready(rt, worker.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            _approve(rt, submitted)
            time.sleep(rng.uniform(0, max_pause))
            fleet.kill("worker")
            last_kill = time.monotonic()
            log(f"kill {n + 1}/{kills}: {len(_open(rt, submitted))} of {len(submitted)} missions open")
            worker = fleet.worker()
        settle = None
        while time.monotonic() - last_kill < settle_wait:
            _approve(rt, submitted)
            if not _open(rt, submitted):
                settle = time.monotonic() - last_kill
                break
            time.sleep(0.2)
        audit = subprocess.run(
            [sys.executable, "-m", "bot.cli", "audit", "verify"],
            cwd=ROOT,
            env=fleet.env(),
            capture_output=True,
            text=True,
        )
        return _count(rt, submitted, kills=kills, settle=settle, audit_ok=audit.returncode == 0)
    finally:
        fleet.stop()


def _count(
    rt: runtime.Runtime, missions: list[str], *, kills: int, settle: float | None, audit_ok: bool
) -> SoakResult:
    closed = [rt.store.mission(m) for m in missions]
    proposals = [rt.store.proposal(p) for m in closed for p in m.proposals]
    posts = Counter(
        (m.get("thread"), m["text"])
        for _, m in ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix).read()
        if m["op"] == "post" and m.get("thread") in set(missions)
    )
    credits = HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()
    return SoakResult(
        missions=len(missions),
        kills=kills,
        unsettled=sum(m.is_open for m in closed),
        failed=sum(m.status == "failed" for m in closed),
        credits=len(credits),
        executed=sum(p.status == "executed" for p in proposals),
        duplicate_posts=sum(n - 1 for n in posts.values()),
        settle_seconds=settle,
        audit_ok=audit_ok,
    )


@dataclass(kw_only=True)
class RestartResult:
    restarts: int
    exits: dict[str, int]  # process -> times it was found dead (and started again)
    missions: int
    unsettled: int
    credits: int
    executed: int


def restarts(*, folder: Path, prefix: str, count: int, outage: float = 5.0, log=print) -> RestartResult:
    """`count` Redis restarts (alternately SHUTDOWN and SIGKILL, `outage` seconds down) under a running
    worker, scheduler and serve; a mission is submitted and approved around each one."""
    from tests.support.fleet import PrivateRedis, free_port

    server = PrivateRedis(folder / "redis")
    server.start()
    redis = Redis.from_url(server.url)
    settings = Settings(
        REDIS_URL=server.url, MISSIONBOT_KEY_PREFIX=prefix, MISSIONBOT_CONFIG_DIR=ROOT / "worker_configs"
    )
    rt = app.create_runtime(settings=settings, redis=redis)
    HelpdeskBackend(redis=redis, prefix=prefix, clock=rt.clock).seed()
    fleet = Fleet(
        redis_url=server.url,
        prefix=prefix,
        config_dir=crashkit.configs(folder, builtin=True),
        logs=folder / "logs",
    )
    exits = dict.fromkeys(("worker", "scheduler", "serve"), 0)
    port = free_port()
    starters = {"worker": fleet.worker, "scheduler": fleet.scheduler, "serve": lambda: fleet.serve(port)}
    submitted: list[str] = []

    def check() -> None:
        for name, code in fleet.alive().items():
            if code is not None:
                exits[name] += 1
                log(f"{name} exited with {code}; starting it again")
                fleet.procs.pop(name)
                starters[name]()

    try:
        for start in starters.values():
            start()
        for n in range(count):
            request = Request(
                platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042"
            )
            submitted.append(MissionService(rt).submit(request).mission.id)
            _approve(rt, submitted)
            time.sleep(1.5)  # AOF everysec: what was acknowledged a second ago is on disk
            server.kill() if n % 2 else server.shutdown()
            time.sleep(outage)
            check()
            server.start()
            deadline = time.monotonic() + 120
            while _open(rt, submitted) and time.monotonic() < deadline:
                _approve(rt, submitted)
                time.sleep(0.2)
            check()
            log(f"restart {n + 1}/{count}: {len(_open(rt, submitted))} of {len(submitted)} missions open")
        result = _count(rt, submitted, kills=0, settle=None, audit_ok=True)
        return RestartResult(
            restarts=count,
            exits=exits,
            missions=len(submitted),
            unsettled=result.unsettled,
            credits=result.credits,
            executed=result.executed,
        )
    finally:
        fleet.stop()
        server.kill()
