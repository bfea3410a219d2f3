"""Helpers for approver-group and quorum tests: a worker whose escalation or tool policy is changed in
place on the runtime, groups defined as `_groups.yml` would, and a parked proposal of ESC-1042."""

from __future__ import annotations

from typing import Any

from bot.core.config.people import GroupDef
from bot.core.groups import Groups
from bot.core.models import Request
from bot.core.runtime import Runtime
from bot.missions.service import MissionService

WORKER = "support-triage"
TOOL = "helpdesk.issue_credit"


def reconfigure(
    rt: Runtime, *, escalation: dict[str, Any] | None = None, tool: dict[str, Any] | None = None
) -> None:
    worker = rt.workers[WORKER]
    update: dict[str, Any] = {}
    if escalation:
        update["escalation"] = worker.escalation.model_copy(update=escalation)
    if tool:
        tools = dict(worker.tools)
        tools[TOOL] = tools[TOOL].model_copy(update=tool)
        update["tools"] = tools
    rt.workers[WORKER] = worker.model_copy(update=update)


def define_groups(rt: Runtime, **groups: dict[str, Any]) -> None:
    rt.groups = Groups(
        defined={name.replace("_", "-"): GroupDef(**spec) for name, spec in groups.items()},
        store=rt.store,
        fetch=rt.groups.fetch,
    )


def parked(rt: Runtime, run_jobs, *, requester: str = "U0AGENT", text: str = "ESC-1042") -> str:
    request = Request(platform="console", conversation="C0SUPPORT", requester=requester, text=text)
    mission = MissionService(rt).submit(request).mission
    run_jobs()
    return rt.store.mission(mission.id).proposals[0]


def events(rt: Runtime, pid: str, prefix: str = "decision.") -> list[dict]:
    return [e for e in rt.audit.events() if e["kind"].startswith(prefix) and e.get("proposal") == pid]
