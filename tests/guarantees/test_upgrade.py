"""Upgrades keep existing data working: the records and queued RQ jobs the previous release left in Redis
(tests/fixtures/previous_release/, made by running that release: tests/support/previous_release.py) are
read by this one, its queued jobs run, its pending card is decided and executes once, its audit verifies."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from redis import Redis

from bot import app
from bot.core.audit_verify import check
from bot.core.settings import Settings
from bot.demo.helpdesk import HelpdeskBackend
from bot.missions.service import MissionService
from jobs.actions import execute_proposal
from tests.conftest import CONFIGS
from tests.support import snapshot
from tests.support.previous_release import AUDIT_KEY, FIXTURE
from tests.support.redis_server import drain


@pytest.fixture
def upgraded(redis_url: str, redis: Redis, prefix: str) -> Iterator[tuple]:
    fixture = json.loads(FIXTURE.read_text())
    snapshot.load(redis, fixture, prefix)
    settings = Settings(
        REDIS_URL=redis_url,
        MISSIONBOT_KEY_PREFIX=prefix,
        MISSIONBOT_CONFIG_DIR=CONFIGS,
        MISSIONBOT_AUDIT_KEY=AUDIT_KEY,
    )
    rt = app.create_runtime(settings=settings, redis=redis)
    app.install(rt)
    yield rt, fixture["ids"]
    app.install(None)


def test_the_previous_releases_records_and_queued_jobs_work(upgraded):
    rt, ids = upgraded
    assert check(rt.audit).problems == []  # its events verify under this release's verifier
    assert rt.store.proposal(ids["pending_proposal"]).status == "pending"
    assert rt.store.proposal(ids["approved_proposal"]).status == "approved"
    assert rt.store.mission(ids["queued"]).status == "queued"
    assert len(rt.actions_queue) and len(rt.missions_queue)  # its jobs wait in its queues
    drain(rt)  # this release's worker runs them
    assert rt.store.proposal(ids["approved_proposal"]).status == "executed"
    assert rt.store.mission(ids["approved"]).status == "done"
    assert rt.store.mission(ids["queued"]).status == "awaiting_approval"
    MissionService(rt).decide(ids["pending_proposal"], actor="U0OWNER1", approve=True, platform="console")
    drain(rt)
    assert execute_proposal(ids["pending_proposal"]) == "executed"  # once: a repeat does nothing more
    credits = HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock).credits()
    assert len(credits) == 2 and rt.store.mission(ids["pending"]).status == "done"
    assert check(rt.audit).problems == []
