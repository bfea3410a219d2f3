"""Tokens never reach a log: the record factory redacts each record as it is made, tracebacks included."""

from __future__ import annotations

import logging

import pytest

from bot.core import log_redaction
from bot.core.redact import Redactor
from bot.core.settings import Settings


@pytest.fixture
def factory():
    """Restore the process's record factory and redactor: other tests log too."""
    previous_factory, previous = logging.getLogRecordFactory(), log_redaction._redactor
    yield
    logging.setLogRecordFactory(previous_factory)
    log_redaction.use(previous)


def test_log_records_pass_the_runtimes_redactor(rt, caplog, factory):
    """The record factory uses the configured values once a runtime exists (not only the token shapes)."""
    log_redaction.install()
    log_redaction.use(
        Redactor.from_config(
            settings=Settings(SLACK_SIGNING_SECRET="no-shape-secret-42"), workers={}, environ={}
        )
    )
    caplog.set_level(logging.INFO)
    logging.getLogger("bot.test").info("verifying with %s", "no-shape-secret-42")
    try:
        raise RuntimeError("bad signature for no-shape-secret-42")
    except RuntimeError:
        logging.getLogger("bot.test").exception("failed")
    assert "verifying with [redacted]" in caplog.text and "bad signature for [redacted]" in caplog.text
    assert "no-shape-secret-42" not in caplog.text


def test_installing_twice_wraps_the_factory_once_and_token_shapes_go_before_any_runtime(caplog, factory):
    log_redaction.use(Redactor())  # shapes and secret-looking keys only, as before a runtime exists
    log_redaction.install()
    installed = logging.getLogRecordFactory()
    log_redaction.install()
    assert logging.getLogRecordFactory() is installed
    caplog.set_level(logging.INFO)
    logging.getLogger("bot.test").info("posting with %s", "xoxb-1234567890-0987654321-AbCdEfGhIjKl")
    record = caplog.records[-1]
    assert record.getMessage() == "posting with [redacted]" and record.args is None


def test_a_malformed_logging_call_is_still_redacted_not_raised(caplog, factory):
    log_redaction.install()
    caplog.set_level(logging.INFO)
    logging.getLogger("bot.test").info("token xoxb-1234567890-0987654321-AbCdEfGhIjKl %s %s", "one")
    assert "xoxb-1234567890" not in caplog.text and "[redacted]" in caplog.text
