"""`GET /healthz` (this process answers) and `GET /readyz`
(Redis, configs, workers with a fresh heartbeat)."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient, TestServer
from redis import Redis
from rq import Worker
from rq.utils import now, utcformat

from bot.platforms.server import create_app


async def test_readyz_counts_only_workers_whose_heartbeat_is_fresh(rt):
    async with TestClient(TestServer(create_app(rt, slack=None))) as client:
        answer = await client.get("/readyz")
        body = await answer.json()
        assert answer.status == 200 and body["workers"] == {"missions": 0, "actions": 0}
        assert body["redis"] == "ok" and body["configs"] == len(rt.workers)
        worker = Worker([rt.missions_queue], connection=rt.redis)
        worker.register_birth()
        try:
            answer = await client.get("/readyz")
            assert (await answer.json())["workers"] == {"missions": 1, "actions": 0}
            # Killed a while ago: its record is still there (it expires a minute after the TTL),
            # its beat is old.
            stale = now() - timedelta(seconds=rt.settings.worker_ttl + 1)
            rt.redis.hset(worker.key, "last_heartbeat", utcformat(stale))
            answer = await client.get("/readyz")
            assert answer.status == 200 and (await answer.json())["workers"] == {"missions": 0, "actions": 0}
        finally:
            worker.register_death()
        assert (await client.get("/healthz")).status == 200
        assert (await client.post("/slack/events", data=b"{}")).status == 404  # no Slack app, no route


async def test_redis_down_is_not_ready_but_still_alive(rt):
    down = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    rt.redis = down
    async with TestClient(TestServer(create_app(rt, slack=None))) as client:
        answer = await client.get("/readyz")
        body = await answer.json()
        assert answer.status == 503 and body["status"] == "not ready" and body["redis"].startswith("error")
        answer = await client.get("/healthz")
        assert answer.status == 200 and await answer.json() == {"status": "ok"}


async def test_no_worker_configs_is_not_ready(rt):
    rt.workers = {}
    async with TestClient(TestServer(create_app(rt, slack=None))) as client:
        answer = await client.get("/readyz")
        assert answer.status == 503 and (await answer.json())["configs"] == 0


def test_the_slack_signature_is_checked_on_the_raw_bytes_within_five_minutes():
    import json
    from pathlib import Path

    from bot.platforms.server import signed

    vector = json.loads(
        (Path(__file__).parents[2] / "fixtures" / "slack" / "signature_test_vector.json").read_text()
    )
    secret, body = vector["signing_secret"].encode(), vector["body"].encode()
    headers = {
        "X-Slack-Request-Timestamp": vector["timestamp"],
        "X-Slack-Signature": vector["valid_signature"],
    }
    now = vector["clock_now_for_validity"]
    assert signed(secret, body, headers, now=now)
    assert not signed(secret, body + b"\xff", headers, now=now)
    assert not signed(secret, body, headers, now=now + 301)
    for bad in (
        {**headers, "X-Slack-Signature": "v0=é"},
        {**headers, "X-Slack-Request-Timestamp": "１２"},
        {},
    ):
        assert not signed(secret, body, bad, now=now)
