"""The demo backends' side effects happen once per idempotency key, even under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.demo.it_access import DirectoryBackend


def test_concurrent_grants_with_one_key_grant_once(rt):
    directory = DirectoryBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(
                lambda _: directory.grant_access(
                    username="jdoe", app="github", days=30, idempotency_key="P-1"
                ),
                range(16),
            )
        )
    assert len(directory.grants()) == 1
    assert sum(1 for r in results if not r.get("replayed")) == 1
    directory.grant_access(username="jdoe", app="github", days=30, idempotency_key="P-2")
    assert len(directory.grants()) == 2
