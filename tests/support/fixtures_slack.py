"""Pytest fixtures for Slack tests, loaded as a plugin.

tests/conftest.py should contain::

    pytest_plugins = ["tests.support.fixtures_slack"]

(A plugin rather than conftest code so the conftest stays owned by the core, and modules that
need only these fixtures can list the plugin themselves.)
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.mock_slack_api import MockSlackApi


@pytest.fixture
def mock_slack_api() -> Iterator[MockSlackApi]:
    """A started MockSlackApi, fresh for each test; pass ``mock_slack_api.url`` as slack_sdk base_url."""
    api = MockSlackApi()
    api.start()
    try:
        yield api
    finally:
        api.stop()
