"""Malformed request bodies for the fuzz tests of both endpoints (and benchmarks/fuzz_endpoints.py), a Redis
snapshot to show nothing changed, and an aiohttp app served on its own loop for synchronous Hypothesis tests.

Every body these strategies make is malformed by construction: garbage, truncated, not UTF-8, deeply
nested, not an object, or a real platform payload with one field it needs removed or given a wrong type.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from redis import Redis

# Examples per fuzz test: modest by default so the suite stays quick;
# MISSIONBOT_FUZZ_EXAMPLES=5000 digs deeper.
FUZZ = settings(
    max_examples=int(os.environ.get("MISSIONBOT_FUZZ_EXAMPLES", "250")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
Path = tuple[str | int, ...]
# A payload a real platform sends, the paths that must be there, and the paths that may be absent but must
# have their type when present (str / dict / list), as the endpoint's models say.
Template = tuple[dict[str, Any], list[Path], list[tuple[Path, type]]]


def snapshot(redis: Redis, prefix: str) -> dict[bytes, str]:
    """Every key of this test's prefix with a digest of its value: any write shows."""
    found: dict[bytes, str] = {}
    for key in redis.scan_iter(match=f"*{prefix}*", count=1000):
        dumped = redis.dump(key)
        found[key] = hashlib.sha256(dumped or b"").hexdigest()
    return found


@dataclass
class Served:
    client: TestClient
    loop: asyncio.AbstractEventLoop

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        async def send() -> tuple[int, bytes]:
            response = await self.client.post(path, data=body, headers=headers)
            return response.status, await response.read()

        return self.loop.run_until_complete(send())


@contextmanager
def served(make_app: Callable[[], web.Application]) -> Iterator[Served]:
    """The app over real HTTP on a loop of its own, so a synchronous @given test can post to it."""
    loop = asyncio.new_event_loop()
    try:
        client = TestClient(TestServer(make_app(), loop=loop), loop=loop)
        loop.run_until_complete(client.start_server())
        try:
            yield Served(client=client, loop=loop)
        finally:
            loop.run_until_complete(client.close())
    finally:
        loop.close()


def _set(payload: dict[str, Any], path: Path, value: Any, *, delete: bool = False) -> dict[str, Any]:
    payload = copy.deepcopy(payload)
    parent: Any = payload
    for part in path[:-1]:
        parent = parent[part]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return payload


_SCALARS = st.one_of(st.integers(), st.floats(allow_nan=False), st.booleans())
_WRONG: dict[type, st.SearchStrategy[Any]] = {
    str: st.one_of(
        _SCALARS,
        st.lists(st.text(max_size=3), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    ),
    dict: st.one_of(_SCALARS, st.text(max_size=8), st.lists(st.integers(), max_size=2)),
    list: st.one_of(
        _SCALARS, st.text(max_size=8), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
    ),
}


def mutated(template: Template) -> st.SearchStrategy[dict[str, Any]]:
    """The payload with one required field removed or nulled, or one modelled field given a wrong type."""
    payload, required, typed = template
    removed = st.sampled_from(required).flatmap(
        lambda path: st.sampled_from([_set(payload, path, None, delete=True), _set(payload, path, None)])
    )
    retyped = st.sampled_from(typed).flatmap(
        lambda pair: _WRONG[pair[1]].map(lambda value: _set(payload, pair[0], value))
    )
    return st.one_of(removed, retyped)


JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


def garbage_bytes(valid: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """Bytes that are no request: random, truncated, broken UTF-8, deeply nested,
    or JSON that is no object."""
    truncated = valid.flatmap(lambda body: st.integers(0, max(len(body) - 2, 0)).map(lambda n: body[:n]))
    not_utf8 = valid.flatmap(
        lambda body: st.tuples(
            st.integers(0, len(body)), st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80\x80"])
        ).map(lambda p: body[: p[0]] + p[1] + body[p[0] :])
    )
    nested = st.tuples(st.integers(100, 60_000), st.sampled_from(["[", '{"a":'])).map(
        lambda p: (p[1] * p[0] + ("]" if p[1] == "[" else "}") * p[0]).encode()
    )
    not_an_object = JSON.filter(lambda v: not isinstance(v, dict)).map(lambda v: json.dumps(v).encode())
    return st.one_of(st.binary(max_size=300), truncated, not_utf8, nested, not_an_object)
