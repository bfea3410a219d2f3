"""`GET /healthz`: Redis answers and RQ workers heartbeat on the missions queue; 503 otherwise."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer
from redis import Redis
from rq import Worker

from bot.server import create_app


async def test_healthz_needs_redis_and_a_worker_heartbeat(rt):
    async with TestClient(TestServer(create_app(rt, slack=None))) as client:
        answer = await client.get("/healthz")
        assert answer.status == 503 and (await answer.json())["workers"] == 0
        worker = Worker([rt.missions_queue, rt.actions_queue], connection=rt.redis)
        worker.register_birth()
        try:
            answer = await client.get("/healthz")
            assert answer.status == 200 and await answer.json() == {"status": "ok", "redis": "ok", "workers": 1}
        finally:
            worker.register_death()
        assert (await client.post("/slack/events", data=b"{}")).status == 404  # no Slack app, no route


async def test_healthz_reports_redis_down(rt):
    down = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    rt.redis = down
    async with TestClient(TestServer(create_app(rt, slack=None))) as client:
        answer = await client.get("/healthz")
        assert answer.status == 503 and (await answer.json())["status"] == "down"


def test_the_slack_signature_is_checked_on_the_raw_bytes_within_five_minutes():
    import json
    from pathlib import Path

    from bot.server import signed

    vector = json.loads((Path(__file__).parents[1] / "fixtures" / "slack" / "signature_test_vector.json").read_text())
    secret, body = vector["signing_secret"].encode(), vector["body"].encode()
    headers = {"X-Slack-Request-Timestamp": vector["timestamp"], "X-Slack-Signature": vector["valid_signature"]}
    now = vector["clock_now_for_validity"]
    assert signed(secret, body, headers, now=now)
    assert not signed(secret, body + b"\xff", headers, now=now)
    assert not signed(secret, body, headers, now=now + 301)
    for bad in ({**headers, "X-Slack-Signature": "v0=é"}, {**headers, "X-Slack-Request-Timestamp": "１２"}, {}):
        assert not signed(secret, body, bad, now=now)
