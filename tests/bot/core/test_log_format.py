"""MISSIONBOT_LOG_FORMAT=json: one JSON object per line, with the role and the ids bound where the work
runs, secrets still redacted (the redacting record factory stays in the chain), exceptions as a field."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.core import log_context, log_format, log_redaction
from bot.core.redact import Redactor
from bot.core.settings import Settings

TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKl"


@pytest.fixture
def json_log():
    """A JSON handler on a logger of its own; the factory, redactor and role restored afterwards."""
    previous_factory, previous, role = (
        logging.getLogRecordFactory(),
        log_redaction._redactor,
        log_context.role(),
    )
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(log_format.JsonFormatter())
    logger = logging.getLogger("bot.test.json")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    log_redaction.install()
    log_context.set_role("worker")
    yield logger, lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logging.setLogRecordFactory(previous_factory)
    log_redaction.use(previous)
    log_context.set_role(role)


def test_each_line_is_one_object_with_the_role_and_the_bound_ids(json_log):
    logger, lines = json_log
    logger.info("before any job")
    with log_context.bound(mission_id="m-1", worker_id="support-triage"):
        logger.warning("in the mission\nover two lines")
        with log_context.bound(proposal_id="p-1"):
            logger.info("deciding")
    first, second, third = lines()
    assert {k: first[k] for k in ("level", "logger", "message", "role")} == {
        "level": "INFO",
        "logger": "bot.test.json",
        "message": "before any job",
        "role": "worker",
    }
    assert "mission_id" not in first and first["time"].endswith("+00:00") and first["pid"] > 0
    assert second["mission_id"] == "m-1" and second["worker_id"] == "support-triage"
    assert second["message"] == "in the mission\nover two lines" and "proposal_id" not in second
    assert third["proposal_id"] == "p-1" and third["mission_id"] == "m-1"
    assert log_context.current() == {}  # nothing outlives its block


def test_secrets_stay_redacted_in_messages_and_exceptions(json_log):
    logger, lines = json_log
    log_redaction.use(
        Redactor.from_config(settings=Settings(SLACK_SIGNING_SECRET="no-shape-secret-42"), environ={})
    )
    logger.info("posting with %s", TOKEN)
    try:
        raise RuntimeError("bad signature for no-shape-secret-42")
    except RuntimeError:
        logger.exception("verifying failed")
    posted, failed = lines()
    assert posted["message"] == "posting with [redacted]"
    assert failed["exc_type"] == "RuntimeError" and "bad signature for [redacted]" in failed["exception"]
    assert "Traceback" in failed["exception"]
    text = json.dumps(lines())
    assert TOKEN not in text and "no-shape-secret-42" not in text


def test_job_meta_is_read_leniently_and_unknown_keys_are_refused():
    assert log_context.for_job({"log": {"mission_id": "m-1", "other": "x", "job_id": ["no"]}}) == {
        "mission_id": "m-1"
    }
    assert log_context.for_job({}) == {} and log_context.for_job({"log": "broken"}) == {}
    with pytest.raises(ValueError, match="unknown"):
        log_context.bind(channel="C1")


def test_configure_leaves_a_foreign_root_handler_alone_and_sets_the_role(monkeypatch):
    root = logging.getLogger()
    monkeypatch.setattr(root, "handlers", [logging.NullHandler()])
    role = log_context.role()
    log_format.configure(fmt="json", role="scheduler")
    try:
        assert log_context.role() == "scheduler" and len(root.handlers) == 1
    finally:
        log_context.set_role(role)
