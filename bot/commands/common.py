"""Helpers the subcommands share: settings, the config directory, a Redis connection."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from pydantic import SecretStr
from redis import Redis

from bot import app
from bot.core import tracing
from bot.core.audit_config import record_config_versions
from bot.core.audit_keys import INSECURE_KEY, AuditKeys, MissingAuditKey
from bot.core.config import WorkerConfig, load_workers
from bot.core.errors import ConfigError
from bot.core.redis_client import InvalidRedisUrl, redis_from_url
from bot.core.runtime import Runtime
from bot.core.settings import Settings

REPO_CONFIGS = Path(__file__).resolve().parents[2] / "worker_configs"


def config_dir(settings: Settings, override: str | None = None) -> Path:
    """The configured directory; the bundled examples when the default is absent (running from elsewhere)."""
    if override:
        return Path(override)
    if settings.config_dir == Path("worker_configs") and not settings.config_dir.is_dir():
        return REPO_CONFIGS
    return settings.config_dir


def workers_or_exit(settings: Settings, override: str | None = None) -> dict[str, WorkerConfig]:
    try:
        return load_workers(config_dir(settings, override))
    except ConfigError as err:
        for issue in err.issues:
            print(issue, file=sys.stderr)
        sys.exit(1)


def redis_or_exit(settings: Settings, command: str) -> Redis:
    if not settings.redis_url:
        print(
            f"missionbot {command}: REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0). "
            "`missionbot demo` and `missionbot shell` start an embedded Redis instead.",
            file=sys.stderr,
        )
        sys.exit(2)
    try:
        return redis_from_url(settings.redis_url)
    except InvalidRedisUrl as err:
        print(f"missionbot {command}: {err}", file=sys.stderr)
        sys.exit(2)


def audit_key_or_exit(settings: Settings, command: str, *, insecure: bool = False) -> Settings:
    """Settings holding a usable audit key; exit 2 without one, unless `insecure` (then a published key)."""
    try:
        AuditKeys.from_settings(settings)
        return settings
    except MissingAuditKey as err:
        if not insecure:
            print(
                f"missionbot {command}: {err}. It signs the audit trail and must not live in Redis; set it "
                "(e.g. `export MISSIONBOT_AUDIT_KEY="
                "$(python -c 'import secrets; print(secrets.token_hex(32))')`) "
                "or pass --insecure-audit-key to run with a published key anyone can forge.",
                file=sys.stderr,
            )
            sys.exit(2)
    logging.getLogger(__name__).warning(
        "!!! --insecure-audit-key: the audit trail is signed with a PUBLISHED key; "
        "anyone with Redis access can "
        "rewrite it undetected. Set MISSIONBOT_AUDIT_KEY for anything but local development. !!!"
    )
    return settings.model_copy(update={"audit_key": SecretStr(INSECURE_KEY.decode())})


def add_insecure_audit_key_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--insecure-audit-key",
        action="store_true",
        help="run without MISSIONBOT_AUDIT_KEY, signing the audit with a published key (dev only)",
    )


def add_metrics_port_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=None,
        metavar="PORT",
        help="serve Prometheus /metrics and /healthz on this port (default: off; the deploy files use 9100)",
    )


def process_runtime(settings: Settings, command: str, *, insecure_audit_key: bool = False) -> Runtime:
    """The runtime a long-running process (serve, worker, scheduler) builds: an audit key and Redis required,
    real messengers; a worker config that changed since the last process loaded it is audited."""
    settings = audit_key_or_exit(settings, command, insecure=insecure_audit_key)
    tracing.configure(role=command)  # off unless OTEL_* asks for traces (bot/core/tracing.py)
    redis = redis_or_exit(settings, command)
    workers = workers_or_exit(settings, str(config_dir(settings)))
    rt = app.create_runtime(
        settings=settings,
        redis=redis,
        workers=workers,
        messengers=app.default_messengers(settings=settings, redis=redis),
    )
    record_config_versions(rt, actor=f"system:{command}")
    return rt
