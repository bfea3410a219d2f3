"""Process settings from the environment (the contract in DESIGN.md)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every variable is optional where a safe default exists; tokens stay SecretStr so they never print."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    microsoft_app_id: str | None = Field(default=None, validation_alias="MICROSOFT_APP_ID")
    microsoft_app_password: SecretStr | None = Field(default=None, validation_alias="MICROSOFT_APP_PASSWORD")
    microsoft_app_tenant_id: str | None = Field(default=None, validation_alias="MICROSOFT_APP_TENANT_ID")
    microsoft_allowed_tenants: str | None = Field(default=None, validation_alias="MICROSOFT_ALLOWED_TENANTS")
    # Teams messenger in workers without an app id (local development with the Agents Playground).
    teams_enabled: bool = Field(default=False, validation_alias="MISSIONBOT_TEAMS")
    # Hosts a Teams activity's serviceUrl may name (comma separated; default: Microsoft's,
    # see teams_payloads.py).
    teams_service_hosts: str | None = Field(default=None, validation_alias="MISSIONBOT_TEAMS_SERVICE_HOSTS")
    # Who sees a Teams card's buttons: "everyone" (every client shows them, the server refuses the
    # unauthorized with a reason) or "approvers" (user-specific views; clients without them get none).
    teams_buttons: Literal["everyone", "approvers"] = Field(
        default="everyone", validation_alias="MISSIONBOT_TEAMS_BUTTONS"
    )
    config_dir: Path = Field(
        default=Path("worker_configs"), validation_alias=AliasChoices("MISSIONBOT_CONFIG_DIR", "config_dir")
    )
    key_prefix: str = Field(
        default="missionbot", validation_alias=AliasChoices("MISSIONBOT_KEY_PREFIX", "key_prefix")
    )
    port: int = Field(default=3000, validation_alias="PORT")
    # Where Teams reaches `serve` (https://host[:port]): the digest chart's signed image URL starts with it.
    public_url: str | None = Field(default=None, validation_alias="MISSIONBOT_PUBLIC_URL")
    # Where the console writes the digest's chart (a PNG per worker and week); the shell prints the path.
    chart_dir: Path = Field(
        default=Path(tempfile.gettempdir()) / "missionbot-charts", validation_alias="MISSIONBOT_CHART_DIR"
    )
    # Logs: plain text lines, or one JSON object per line with the role and the ids of the work in hand.
    log_format: Literal["text", "json"] = Field(default="text", validation_alias="MISSIONBOT_LOG_FORMAT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", validation_alias="MISSIONBOT_LOG_LEVEL"
    )
    max_request_chars: int = Field(default=4000, validation_alias="MISSIONBOT_MAX_REQUEST_CHARS")
    # The audit chain's HMAC key (never stored in Redis): the value, or a file a secret store mounts.
    audit_key: SecretStr | None = Field(default=None, validation_alias="MISSIONBOT_AUDIT_KEY")
    audit_key_file: Path | None = Field(default=None, validation_alias="MISSIONBOT_AUDIT_KEY_FILE")
    # Keys retired by a rotation, comma-separated: `audit verify` still checks the events they signed.
    audit_previous_keys: SecretStr | None = Field(
        default=None, validation_alias="MISSIONBOT_AUDIT_PREVIOUS_KEYS"
    )
    # Crash recovery (seconds; tests shorten them). A dead worker's job is retried once its execution
    # heartbeat is `job_heartbeat + abandoned_after` old and the next recovery sweep has run.
    worker_ttl: int = Field(default=60, ge=20, validation_alias="MISSIONBOT_WORKER_TTL")
    job_heartbeat: int = Field(default=10, ge=1, validation_alias="MISSIONBOT_JOB_HEARTBEAT")
    abandoned_after: int = Field(default=30, ge=1, validation_alias="MISSIONBOT_ABANDONED_AFTER")
    sweep_seconds: int = Field(default=30, ge=1, validation_alias="MISSIONBOT_SWEEP_SECONDS")
    recovery_grace: int = Field(default=30, ge=0, validation_alias="MISSIONBOT_RECOVERY_GRACE")
    # An inbox entry delivered this many times without being handled goes to the dead letters
    # (bot/core/inbox_dead.py) instead of being tried again every sweep for ever.
    inbox_max_attempts: int = Field(default=5, ge=1, validation_alias="MISSIONBOT_INBOX_MAX_ATTEMPTS")
    # Where `serve` handles what it acked (the mission, its reply, a click's decision): in a child process
    # of its own (so the acks never wait for the handling's CPU), or in threads of the serving process.
    serve_handling: Literal["process", "inline"] = Field(
        default="process", validation_alias="MISSIONBOT_SERVE_HANDLING"
    )
    # Retention (days; unset: keep forever). Audit events go only once a checkpoint covers them (`audit
    # checkpoint`, then `audit trim` or the scheduler's retention sweep); closed missions' records, their
    # proposals and dedupe markers go this long after the mission closed. Pending things never expire.
    audit_retention_days: float | None = Field(
        default=None, ge=0, validation_alias="MISSIONBOT_AUDIT_RETENTION_DAYS"
    )
    record_retention_days: float | None = Field(
        default=None, ge=0, validation_alias="MISSIONBOT_RECORD_RETENTION_DAYS"
    )
