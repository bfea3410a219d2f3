"""The composition root: the one module that knows every concrete class and builds a Runtime from settings.

Handlers, the CLI and tests call `create_runtime(...)`; RQ jobs, which receive only ids, call `for_job` once
per worker process (the worker command and tests `install` the runtime it returns).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis import Redis
from rq import Queue

from bot.core import log_redaction
from bot.core.audit import Audit
from bot.core.audit_config import record_config_versions
from bot.core.audit_keys import AuditKeys
from bot.core.config import WorkerConfig, load_workers
from bot.core.config.group_refs import load_groups
from bot.core.config.loader import load_people
from bot.core.config.people import Person
from bot.core.groups import Groups
from bot.core.messenger import Messengers
from bot.core.models import Mission
from bot.core.people import People
from bot.core.redact import Redactor
from bot.core.redis_client import redis_from_url
from bot.core.runtime import Clock, Runtime, new_mission_id, utc_now
from bot.core.settings import Settings
from bot.core.store import Store
from bot.core.string_tree import strings_in
from bot.core.templating import compile_all
from bot.demo.backends import BACKENDS as DEMO_BACKENDS
from bot.missions.planners.base import Planner
from bot.missions.planners.chat_models import build_chat_model
from bot.platforms.console.messenger import ConsoleMessenger
from bot.platforms.slack.client import slack_client
from bot.platforms.slack.messenger import SlackMessenger
from bot.platforms.slack.usergroups import usergroup_fetcher
from bot.tools.knowledge import knowledge_tools
from bot.tools.registry import Toolbox


def create_runtime(
    *,
    settings: Settings,
    redis: Redis,
    workers: dict[str, WorkerConfig] | None = None,
    clock: Clock = utc_now,
    new_id: Callable[[], str] = new_mission_id,
    messengers: Messengers | None = None,
    people: list[Person] | None = None,
    audit_keys: AuditKeys | None = None,
) -> Runtime:
    """`audit_keys` defaults to the settings' key; without one this raises MissingAuditKey."""
    keys = audit_keys or AuditKeys.from_settings(settings)
    prefix = settings.key_prefix
    if messengers is None:
        messengers = Messengers(ConsoleMessenger(redis=redis, prefix=prefix, chart_dir=settings.chart_dir))
    workers = workers if workers is not None else load_workers(settings.config_dir)
    redactor = Redactor.from_config(settings=settings, workers=workers, environ=os.environ)
    log_redaction.use(redactor)  # the log record factory has no runtime to ask
    store = Store(redis=redis, prefix=prefix)
    if people is None:  # the directory's _people.yml (none: nobody linked)
        people = load_people(settings.config_dir) if settings.config_dir.is_dir() else []
    toolbox = Toolbox(redis=redis, prefix=prefix, clock=clock)
    _add_tool_providers(toolbox, settings=settings, redis=redis)
    return Runtime(
        settings=settings,
        redis=redis,
        workers=workers,
        redactor=redactor,
        clock=clock,
        new_id=new_id,
        messengers=messengers,
        store=store,
        people=People(persons=people, store=store),
        groups=_groups(settings, store),
        audit=Audit(redis=redis, prefix=prefix, clock=clock, keys=keys, redact=redactor.value),
        toolbox=toolbox,
        missions_queue=Queue(f"{prefix}-missions", connection=redis),
        actions_queue=Queue(f"{prefix}-actions", connection=redis),
        model_factory=build_chat_model,
        planner_factory=agent_planner,
    )


def _groups(settings: Settings, store: Store) -> Groups:
    """`_groups.yml` of the config directory; Slack user groups fetched with the bot token, when set."""
    defined = load_groups(settings.config_dir) if settings.config_dir.is_dir() else {}
    fetch = usergroup_fetcher(slack_client(settings)) if settings.slack_bot_token is not None else None
    return Groups(defined=defined, store=store, fetch=fetch)


def agent_planner(rt: Runtime, mission: Mission) -> Planner:
    # Optional dependency loaded on use: LangChain's agent stack is heavy, and playbook workers never need it.
    from bot.missions.planners.agent import AgentPlanner

    return AgentPlanner(model_factory=rt.model_factory)


def _mcp_provider(env: dict[str, str]) -> Any:
    def provider(name: str, integration: Any, worker: Any) -> Any:
        # Optional dependency loaded on use: the MCP client stack costs ~0.5 s to import.
        from bot.tools.mcp import mcp_tools

        return mcp_tools(name, integration, worker, env=env)

    return provider


def redis_url(settings: Settings, redis: Redis) -> str | None:
    """The URL a server subprocess (stdio MCP) reaches this runtime's Redis at,
    also when only a client was given."""
    if settings.redis_url:
        return settings.redis_url
    kwargs = redis.connection_pool.connection_kwargs
    if kwargs.get("path"):
        return f"unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    if kwargs.get("host"):
        return f"redis://{kwargs['host']}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
    return None


def _add_tool_providers(toolbox: Toolbox, *, settings: Settings, redis: Redis) -> None:
    env = {"MISSIONBOT_KEY_PREFIX": settings.key_prefix}
    if url := redis_url(settings, redis):
        env["REDIS_URL"] = url
    for transport in ("stdio", "streamable_http"):
        toolbox.providers.setdefault(transport, _mcp_provider(env))
    toolbox.builtins.update(DEMO_BACKENDS)  # `transport: builtin` modules: the demo helpdesk and directory
    # `knowledge:` paths resolve against the config files' directory (then its parent): bot/tools/knowledge.py
    config_dir = Path(settings.config_dir)
    toolbox.worker_providers.append(lambda worker: knowledge_tools(worker, config_dir=config_dir))


def default_messengers(*, settings: Settings, redis: Redis) -> Messengers:
    """Which messengers a process gets, from its settings: console always, Slack/Teams when configured."""
    messengers = Messengers(
        ConsoleMessenger(redis=redis, prefix=settings.key_prefix, chart_dir=settings.chart_dir)
    )
    if settings.slack_bot_token is not None:
        messengers.add(SlackMessenger(client=slack_client(settings)))
    if settings.microsoft_app_id or settings.teams_enabled:
        # Optional dependency loaded on use: botbuilder loads only where Teams is used.
        from bot.platforms.teams.messenger import TeamsMessenger

        prefix = settings.key_prefix
        audit = Audit(
            redis=redis,
            prefix=prefix,
            clock=lambda: datetime.now(UTC),
            keys=AuditKeys.from_settings(settings),
        )
        messengers.add(
            TeamsMessenger(store=Store(redis=redis, prefix=prefix), settings=settings, audit=audit)
        )
    return messengers


_installed: Runtime | None = None


def warm(runtime: Runtime) -> int:
    """Compile every template of the runtime's worker configs in this process (bot/core/templating.py
    `compile_all`): the worker command calls it before RQ forks a work horse per job, so each horse starts
    with them. Returns how many compiled."""
    return compile_all(s for worker in runtime.workers.values() for s in strings_in(worker.model_dump()))


def install(runtime: Runtime | None) -> None:
    """Make `runtime` the one this process's jobs use (the worker command and tests call this)."""
    global _installed
    _installed = runtime


def for_job(connection: Redis | None = None) -> Runtime:
    """The runtime of this worker process's jobs: the installed one, or one built once from the environment
    around the job's connection."""
    global _installed
    if _installed is None:
        settings = Settings()
        redis = connection or redis_from_url(settings.redis_url or "redis://127.0.0.1:6379/0")
        _installed = create_runtime(
            settings=settings, redis=redis, messengers=default_messengers(settings=settings, redis=redis)
        )
        record_config_versions(_installed, actor="system:jobs")
    return _installed
