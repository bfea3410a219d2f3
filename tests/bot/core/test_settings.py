"""Settings come from the environment, with safe defaults; tokens never print."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.core.settings import Settings


@pytest.fixture
def clean_env(monkeypatch):
    for name in (
        "MISSIONBOT_CONFIG_DIR",
        "MISSIONBOT_KEY_PREFIX",
        "PORT",
        "SLACK_BOT_TOKEN",
        "MISSIONBOT_TEAMS",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_are_safe_without_any_variable(clean_env):
    s = Settings()
    assert s.config_dir == Path("worker_configs") and s.key_prefix == "missionbot" and s.port == 3000
    assert s.slack_bot_token is None and s.teams_enabled is False
    assert s.max_request_chars == 4000 and s.slack_api_url == "https://slack.com/api/"


def test_values_come_from_the_environment(clean_env):
    clean_env.setenv("MISSIONBOT_KEY_PREFIX", "staging")
    clean_env.setenv("PORT", "8080")
    clean_env.setenv("MISSIONBOT_TEAMS", "true")
    clean_env.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    s = Settings()
    assert (s.key_prefix, s.port, s.teams_enabled) == ("staging", 8080, True)
    assert s.slack_bot_token.get_secret_value() == "xoxb-from-the-environment"


def test_tokens_never_print():
    s = Settings(SLACK_BOT_TOKEN="xoxb-secret-value", MISSIONBOT_AUDIT_KEY="audit-secret-value")
    assert "secret-value" not in repr(s) and "secret-value" not in str(s.model_dump())


def test_recovery_timings_have_floors():
    with pytest.raises(ValidationError):
        Settings(MISSIONBOT_WORKER_TTL=5)
    with pytest.raises(ValidationError):
        Settings(MISSIONBOT_JOB_HEARTBEAT=0)
