"""The dependency container: one Runtime holds what the core and the mission loop need (Redis, clock, ids,
configs, messengers, queues). `bot/app.py` builds it; everything below receives it by argument."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from redis import Redis
from rq import Queue

from bot.core.audit import Audit
from bot.core.config import WorkerConfig
from bot.core.errors import NotFound
from bot.core.groups import Groups
from bot.core.messenger import Messengers
from bot.core.models import Control, Mission
from bot.core.people import People
from bot.core.redact import Redactor
from bot.core.replication import Replicas
from bot.core.settings import Settings
from bot.core.store import Store
from bot.tools.registry import Toolbox

Clock = Callable[[], datetime]
ModelFactory = Callable[[WorkerConfig], Any]  # a LangChain chat model for the worker (tests script one)
PlannerFactory = Callable[
    ["Runtime", Mission], Any
]  # a Planner (bot/missions/planners/base.py) for the mission
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
    redactor: Redactor = field(
        default_factory=Redactor
    )  # every text, card, audit field and model input for people
    people: People = field(default_factory=People)  # linked Slack/Teams accounts (bot/core/people.py)
    replicas: Replicas = field(default_factory=Replicas)  # decisions WAIT for one (bot/core/replication.py)
    groups: Groups = field(default_factory=Groups)  # approver groups (bot/core/groups.py)
    model_factory: ModelFactory | None = None
    planner_factory: PlannerFactory | None = None  # None: every worker runs its playbook
    teams_dev_anonymous: bool = (
        False  # `missionbot serve --teams-dev-anonymous`: unsigned Teams requests (dev)
    )

    def worker(self, name: str) -> WorkerConfig:
        try:
            return self.workers[name]
        except KeyError:
            raise NotFound(f"no worker {name!r}; known: {', '.join(sorted(self.workers))}") from None

    def control(self, worker: str) -> Control:
        return self.store.control(worker, default_autonomy=self.worker(worker).autonomy)
