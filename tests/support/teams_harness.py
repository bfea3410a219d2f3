"""Bot Framework activities from the fixtures, and a Teams-enabled runtime + aiohttp app for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web

from bot import app
from bot.commands.serve_app import teams_routes
from bot.core.messenger import Messengers
from bot.core.runtime import Runtime
from bot.core.settings import Settings
from bot.platforms.console.messenger import ConsoleMessenger
from bot.platforms.teams.messenger import TeamsMessenger
from tests.support.fixtures_teams import LocalCredentials
from tests.support.teams_connector import LocalConnector

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "botframework"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
OWNER = "aad-owner-1"  # an approver's Entra object id, as Teams sends it in from.aadObjectId
APPROVALS = "19:approvals@thread.tacv2"


def fixture(name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / name).read_text())
    data.pop("_fixture_note", None)  # composites carry a note that is not part of the activity
    return data


def mention(connector: LocalConnector, text: str) -> dict[str, Any]:
    raw = fixture("teams_message_channel_mention.json")
    raw.update(
        serviceUrl=connector.url,
        text=f"<at>missionbot</at> {text}",
        attachments=[],
        channelData={
            "tenant": {"id": TENANT},
            "channel": {"id": "19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.skype"},
        },
    )
    return raw


def execute(
    connector: LocalConnector,
    verb: str,
    proposal_id: str,
    *,
    user: str = OWNER,
    trigger: str = "manual",
    **inputs: str,
) -> dict[str, Any]:
    raw = fixture("teams_invoke_adaptiveCard_action_execute.composite.json")
    raw["serviceUrl"] = connector.url
    raw["from"] = {"id": f"29:{user}", "aadObjectId": user, "name": user}
    raw["channelData"]["tenant"]["id"] = TENANT
    raw["value"] = {
        "action": {
            "type": "Action.Execute",
            "id": verb,
            "verb": verb,
            "data": {"proposal_id": proposal_id, "mb_verb": verb, **inputs},
        },
        "trigger": trigger,
    }
    return raw


def submit(connector: LocalConnector, verb: str, proposal_id: str, *, user: str = OWNER) -> dict[str, Any]:
    raw = fixture("teams_message_action_submit.composite.json")
    raw["serviceUrl"] = connector.url
    raw["from"] = {"id": f"29:{user}", "aadObjectId": user, "name": user}
    raw["channelData"]["tenant"]["id"] = TENANT
    raw["value"] = {"mb_verb": verb, "proposal_id": proposal_id}
    return raw


def personal(
    connector: LocalConnector,
    text: str,
    *,
    user: str = "29:megan",
    aad: str | None = "aad-megan",
    chat: str | None = None,
) -> dict[str, Any]:
    """A message in the user's 1:1 chat with the bot (text "" only introduces the user to the bot)."""
    raw = fixture("teams_message_personal.json")
    sender = {"id": user, "name": user, **({"aadObjectId": aad} if aad else {})}
    raw.update(serviceUrl=connector.url, text=text, attachments=[], **{"from": sender})
    if chat:
        raw["conversation"]["id"] = chat
    return raw


def teams_runtime(
    rt: Runtime,
    connector: LocalConnector,
    *,
    app_id: str | None = None,
    tenants: str | None = None,
    extra: tuple[object, ...] = (),
    clock: Any = None,
    **escalation: Any,
) -> Runtime:
    """`rt` with Teams settings, a TeamsMessenger pointed at the local connector, and OWNER as an approver."""
    settings = Settings(
        **{
            **rt.settings.model_dump(),
            "microsoft_app_id": app_id,
            "microsoft_allowed_tenants": tenants,
            "teams_service_hosts": "127.0.0.1",
        }
    )  # the local connector, with or without an app id
    worker = rt.workers["support-triage"]
    changes = {"approvers": [*worker.escalation.approvers, OWNER], **escalation}
    workers = {
        **rt.workers,
        worker.name: worker.model_copy(update={"escalation": worker.escalation.model_copy(update=changes)}),
    }
    teams = TeamsMessenger(
        store=rt.store,
        settings=settings,
        audit=rt.audit,
        backoff_seconds=0.01,
        max_backoff_seconds=0.05,
        credentials=LocalCredentials(app_id, "unused") if app_id else None,
    )
    messengers = Messengers(ConsoleMessenger(redis=rt.redis, prefix=settings.key_prefix), teams, *extra)
    instance = app.create_runtime(
        settings=settings, redis=rt.redis, workers=workers, messengers=messengers, clock=clock or rt.clock
    )
    app.install(instance)  # jobs drained by run_jobs use this one
    return instance


def teams_app(instance: Runtime, *, allow_anonymous: bool = False) -> web.Application:
    app = web.Application()
    credentials = LocalCredentials(instance.settings.microsoft_app_id, "unused")
    app.router.add_routes(
        teams_routes(
            instance,
            settings=instance.settings,
            allow_anonymous=allow_anonymous,
            credentials=credentials if instance.settings.microsoft_app_id else None,
        )
    )
    return app
