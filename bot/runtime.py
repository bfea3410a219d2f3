"""The wiring: one Runtime holds every dependency (Redis, clock, ids, configs, messengers, queues).

Handlers, the CLI and tests build one with `create_runtime(...)`; RQ jobs, which receive only ids,
find the one their worker process installed (or build one from the environment).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from redis import Redis
from rq import Queue

from bot import log_redaction
from bot.audit import Audit
from bot.audit_config import record_config_versions
from bot.audit_keys import AuditKeys
from bot.config import WorkerConfig, load_workers
from bot.config.loader import load_people
from bot.config.models import Person
from bot.errors import NotFound
from bot.messenger import Messengers
from bot.people import People
from bot.redact import Redactor
from bot.settings import Settings
from bot.store import Store
from bot.surfaces.console import ConsoleMessenger
from bot.tools.registry import Toolbox

Clock = Callable[[], datetime]
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: ids are read aloud and typed


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_mission_id() -> str:
    return "M-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))


@dataclass(kw_only=True)
class Runtime:
    settings: Settings
    redis: Redis
    workers: dict[str, WorkerConfig]
    clock: Clock
    new_id: Callable[[], str]
    messengers: Messengers
    store: Store
    audit: Audit
    toolbox: Toolbox
    missions_queue: Queue
    actions_queue: Queue
    redactor: Redactor = field(default_factory=Redactor)  # every text, card, audit field and model input for people
    extras: dict[str, object] = field(default_factory=dict)
    people: People = field(default_factory=People)  # linked Slack/Teams accounts (bot/people.py)

    def worker(self, name: str) -> WorkerConfig:
        try:
            return self.workers[name]
        except KeyError:
            raise NotFound(f"no worker {name!r}; known: {', '.join(sorted(self.workers))}") from None

    def control(self, worker: str):  # noqa: ANN201 - Control, kept close to the store
        return self.store.control(worker, default_autonomy=self.worker(worker).autonomy)


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
        messengers = Messengers(ConsoleMessenger(redis=redis, prefix=prefix))
    workers = workers if workers is not None else load_workers(settings.config_dir)
    redactor = Redactor.from_config(settings=settings, workers=workers, environ=os.environ)
    log_redaction.use(redactor)  # the log record factory has no runtime to ask
    store = Store(redis=redis, prefix=prefix)
    if people is None:  # the directory's _people.yml (none: nobody linked)
        people = load_people(settings.config_dir) if settings.config_dir.is_dir() else []
    rt = Runtime(
        settings=settings, redis=redis, workers=workers, redactor=redactor,
        clock=clock, new_id=new_id, messengers=messengers,
        store=store, people=People(persons=people, store=store),
        audit=Audit(redis=redis, prefix=prefix, clock=clock, keys=keys, redact=redactor.value),
        toolbox=Toolbox(redis=redis, prefix=prefix, clock=clock),
        missions_queue=Queue(f"{prefix}-missions", connection=redis),
        actions_queue=Queue(f"{prefix}-actions", connection=redis),
    )
    from bot.wiring import wire  # local: wiring imports tools and planners, which import this module

    wire(rt)
    return rt


_installed: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    """Make `runtime` the one this process's jobs use (the worker command and tests call this)."""
    global _installed
    _installed = runtime


def current(connection: Redis | None = None) -> Runtime:
    """The installed runtime, or one built from the environment around the job's connection."""
    global _installed
    if _installed is None:
        from bot.platforms import default_messengers

        settings = Settings()
        redis = connection or Redis.from_url(settings.redis_url or "redis://127.0.0.1:6379/0")
        _installed = create_runtime(settings=settings, redis=redis,
                                    messengers=default_messengers(settings=settings, redis=redis))
        record_config_versions(_installed, actor="system:jobs")
    return _installed
