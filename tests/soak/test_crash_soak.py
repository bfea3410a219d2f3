"""Soak (marked `soak`, not in the default run; `.ci/run` runs it): the worker tree SIGKILLed 20 times at
random moments while missions and approvals flow. Within 2 minutes of the last kill every mission is
closed, nothing happened twice, and the audit chain verifies."""

from __future__ import annotations

import pytest

from tests.support.soak import soak

pytestmark = pytest.mark.soak


def test_twenty_kills_lose_nothing_and_duplicate_nothing(redis_url, prefix, tmp_path):
    result = soak(redis_url=redis_url, prefix=prefix, folder=tmp_path, kills=20, missions=30, settle_wait=120)
    print(result)
    assert result.unsettled == 0 and result.settle_seconds is not None, result
    assert result.failed == 0, result  # no mission closed as failed because its worker died
    assert result.credits == result.executed and result.duplicate_posts == 0, result
    assert result.audit_ok, result
