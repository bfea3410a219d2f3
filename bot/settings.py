"""Process settings from the environment (the contract in DESIGN.md)."""

from __future__ import annotations

from pathlib import Path

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
    # Hosts a Teams activity's serviceUrl may name (comma separated; default: Microsoft's, see teams_payloads.py).
    teams_service_hosts: str | None = Field(default=None, validation_alias="MISSIONBOT_TEAMS_SERVICE_HOSTS")
    config_dir: Path = Field(
        default=Path("worker_configs"), validation_alias=AliasChoices("MISSIONBOT_CONFIG_DIR", "config_dir")
    )
    key_prefix: str = Field(default="missionbot", validation_alias=AliasChoices("MISSIONBOT_KEY_PREFIX", "key_prefix"))
    port: int = Field(default=3000, validation_alias="PORT")
    max_request_chars: int = Field(default=4000, validation_alias="MISSIONBOT_MAX_REQUEST_CHARS")
