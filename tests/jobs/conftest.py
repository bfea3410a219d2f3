"""Real worker/scheduler processes on the test's Redis prefix (tests/support/fleet.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import crashkit
from tests.support.fleet import Fleet


@pytest.fixture
def fleet(redis_url: str, prefix: str, rt, tmp_path) -> Iterator[Fleet]:  # noqa: ANN001 - rt: a Runtime
    procs = Fleet(
        redis_url=redis_url, prefix=prefix, config_dir=crashkit.configs(tmp_path), logs=tmp_path / "logs"
    )
    yield procs
    for name in list(procs.procs):
        procs.kill(name)
