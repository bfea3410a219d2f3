"""The demo's tool provider: the in-process backends behind the built-in `helpdesk` and `directory` modules.

The composition root registers `BACKENDS` on the toolbox (`bot/app.py`); the catalog these implement (tool
names, argument models) is the product's, in `bot/tools/builtin.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from redis import Redis

from bot.demo.helpdesk import HelpdeskBackend
from bot.demo.it_access import DirectoryBackend
from bot.tools.builtin import Backend, Implementation


def _refuse(**_: object) -> dict:
    # Never reachable through the gate (tier forbidden); kept so the catalog is honest about the API.
    raise PermissionError("delete_account is not available to AI workers")


def helpdesk(*, redis: Redis, prefix: str, clock: Callable[[], datetime]) -> dict[str, Implementation]:
    hd = HelpdeskBackend(redis=redis, prefix=prefix, clock=clock)
    return {
        "get_ticket": (hd.get_ticket, False),
        "get_account_history": (hd.get_account_history, False),
        "get_entitlement_policy": (hd.get_entitlement_policy, False),
        "preview_credit": (hd.preview_credit, False),
        "issue_credit": (hd.issue_credit, True),
        "reverse_credit": (hd.reverse_credit, True),
        "delete_account": (_refuse, False),
    }


def directory(*, redis: Redis, prefix: str, clock: Callable[[], datetime]) -> dict[str, Implementation]:
    dr = DirectoryBackend(redis=redis, prefix=prefix, clock=clock)
    return {
        "get_person": (dr.get_person, False),
        "get_app_policy": (dr.get_app_policy, False),
        "grant_access": (dr.grant_access, True),
    }


BACKENDS: dict[str, Backend] = {"helpdesk": helpdesk, "directory": directory}
