"""Backup and restore (README "Backup and restore"): BGSAVE a live redis-server holding a pending card,
copy the dump, start a fresh redis-server on it; the audit chain verifies there and the card is still
decidable: it executes once."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from redis import Redis

from bot import app
from bot.core.models import Request
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService
from jobs.actions import execute_proposal
from tests.conftest import CONFIGS, ROOT
from tests.support.fleet import PrivateRedis, wait_for
from tests.support.redis_server import drain


def _runtime(url: str, prefix: str):
    settings = Settings(REDIS_URL=url, MISSIONBOT_KEY_PREFIX=prefix, MISSIONBOT_CONFIG_DIR=CONFIGS)
    rt = app.create_runtime(settings=settings, redis=Redis.from_url(url))
    app.install(rt)
    return rt


def _cli(url: str, prefix: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REDIS_URL": url, "MISSIONBOT_KEY_PREFIX": prefix}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def _persistence(redis: Redis) -> dict:
    return redis.info("persistence")


def test_a_restored_dump_verifies_and_its_pending_card_executes_once(tmp_path: Path, prefix: str):
    live, restored = PrivateRedis(tmp_path / "live"), PrivateRedis(tmp_path / "restored", aof=False)
    live.start()
    try:
        rt = _runtime(live.url, prefix)
        HelpdeskBackend(redis=rt.redis, prefix=prefix, clock=rt.clock).seed()
        request = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
        mission = MissionService(rt).submit(request).mission
        drain(rt)
        [pid] = rt.store.mission(mission.id).proposals
        assert rt.store.proposal(pid).status == "pending"
        checkpoints = tmp_path / "checkpoints.jsonl"
        assert _cli(live.url, prefix, "audit", "checkpoint", "--out", str(checkpoints)).returncode == 0

        # The backup: BGSAVE, wait for it to finish, copy the dump off the server's folder.
        before = _persistence(rt.redis)["rdb_last_save_time"]
        rt.redis.bgsave()
        wait_for(
            lambda: (
                _persistence(rt.redis)["rdb_bgsave_in_progress"] == 0
                and _persistence(rt.redis)["rdb_last_save_time"] >= before
            ),
            timeout=30,
            what="BGSAVE done",
        )
        assert _persistence(rt.redis)["rdb_last_bgsave_status"] == "ok"
        restored.folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(live.folder / "dump.rdb", restored.folder / "dump.rdb")
    finally:
        app.install(None)
        live.kill()  # the original is gone: everything below runs on the restored copy alone

    # The restore: a fresh server on the dump with AOF off, then AOF on (rewritten from the loaded data).
    restored.start()
    try:
        redis = Redis.from_url(restored.url)
        redis.config_set("appendonly", "yes")
        wait_for(
            lambda: (
                _persistence(redis)["aof_rewrite_in_progress"] == 0 and _persistence(redis)["aof_enabled"]
            ),
            timeout=30,
            what="AOF rewritten",
        )
        verify = _cli(restored.url, prefix, "audit", "verify", "--since-checkpoint", str(checkpoints))
        assert verify.returncode == 0 and "audit chain intact" in verify.stdout, verify.stderr
        rt = _runtime(restored.url, prefix)
        assert [p.id for p in rt.store.pending_proposals()] == [pid]
        MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
        drain(rt)
        assert execute_proposal(pid) == "executed"  # a repeated job does nothing more
        credits = HelpdeskBackend(redis=redis, prefix=prefix, clock=rt.clock).credits()
        assert rt.store.proposal(pid).status == "executed" and len(credits) == 1
        assert rt.store.mission(mission.id).status == "done"
        assert _cli(restored.url, prefix, "audit", "verify").returncode == 0
    finally:
        app.install(None)
        restored.kill()
