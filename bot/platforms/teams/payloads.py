"""What a Bot Framework activity must look like before the SDK and our code read it, where its
`serviceUrl` may point, and the facts the adapter reads from it (tenant, channel or chat). Plain pydantic
over the raw JSON (no botbuilder types), like `handlers/teams/actions.py`.

Every field the bot reads is modelled with a strict type: an id is a string (never a number or a bool that
would end up in a Redis key as `teams:ref:False`), the card-action shapes are what `handlers/teams` reads.
"""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.core.inputs import Id, Text
from bot.core.settings import Settings

PLATFORM = "teams"  # the platform name on records (Request, MessageRef) and of the messenger

# Microsoft's Bot Framework connector hosts: Teams (public, GCC, GCC High, DoD) and the Azure Bot Service
# channels. A host matches an entry or is a subdomain of one. MISSIONBOT_TEAMS_SERVICE_HOSTS replaces it.
MICROSOFT_SERVICE_HOSTS = (
    "smba.trafficmanager.net",
    "smba.infra.gcc.teams.microsoft.com",
    "smba.infra.gov.teams.microsoft.us",
    "smba.infra.dod.teams.microsoft.us",
    "botframework.com",
    "botframework.azure.us",
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)


class Account(_Model):
    id: Id
    name: Text | None = None
    aadObjectId: Id | None = None  # the wire name


class Conversation(_Model):
    id: Id
    tenantId: Id | None = None
    conversationType: str | None = None


class IdRef(_Model):
    id: Id | None = None


class ChannelData(_Model):
    tenant: IdRef | None = None
    channel: IdRef | None = None
    team: IdRef | None = None


class CardData(_Model):
    proposal_id: Id | None = None
    mb_verb: str | None = None
    args_version: Id | None = None  # the arguments' version an approval saw (bot/core/card_edits.py)
    reason_code: str | None = None
    comment: Text | None = None

    @model_validator(mode="after")
    def _edits_are_short_values(self) -> CardData:
        """ "Approve with changes" inputs (`edit_<argument>`, bot/platforms/teams/edit_form.py): a number or a
        bounded text each; their bounds are the core's to judge."""
        for key, value in (self.model_extra or {}).items():
            if key.startswith("edit_") and not (
                isinstance(value, int | float) or (isinstance(value, str) and len(value) <= 4000)
            ):
                raise ValueError(f"{key[:40]} must be a number or a text of at most 4000 characters")
        return self


class ExecuteAction(_Model):
    verb: str | None = None
    data: CardData | None = None


class InvokeValue(_Model):
    action: ExecuteAction | None = None
    trigger: str | None = None


class Activity(_Model):
    type: str = Field(min_length=1)
    id: Id | None = None
    channelId: Id
    serviceUrl: str = Field(min_length=1, max_length=2048)
    sender: Account = Field(alias="from")
    recipient: Account
    conversation: Conversation
    channelData: ChannelData | None = None
    replyToId: Id | None = None
    text: Text | None = None
    name: str | None = None
    value: Any = None

    @model_validator(mode="after")
    def _card_values(self) -> Activity:
        # handlers/teams/actions.py:card_action reads `value` as an invoke's {action: {verb, data}}
        # or a submitted card's data.
        if self.type == "invoke":
            if self.name is None:
                raise ValueError("an invoke needs a name")
            if self.name == "adaptiveCard/action":
                InvokeValue.model_validate(self.value)
        elif isinstance(self.value, dict):
            CardData.model_validate(self.value)
        return self


def malformed(raw: dict[str, Any]) -> str | None:
    """None when the activity has every field the bot reads, well typed; else what is wrong."""
    try:
        Activity.model_validate(raw)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "activity"
        return f"{where}: {first['msg']}"
    return None


def allowed_hosts(settings: Settings) -> tuple[str, ...]:
    configured = settings.teams_service_hosts
    if configured is None:
        return MICROSOFT_SERVICE_HOSTS
    return tuple(h.strip().lower().rstrip(".") for h in configured.split(",") if h.strip())


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def service_url_allowed(url: object, *, settings: Settings) -> bool:
    """May the bot send to `url`? https to a configured host (Microsoft's by default); plain http only to a
    loopback host. Loopback is allowed without MICROSOFT_APP_ID (local development: the Agents Playground,
    the Emulator), or when it is named in MISSIONBOT_TEAMS_SERVICE_HOSTS."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return False
    if not host or parts.username or parts.password:
        return False
    hosts = allowed_hosts(settings)
    if _loopback(host):
        return parts.scheme in {"http", "https"} and (not settings.microsoft_app_id or host in hosts)
    return parts.scheme == "https" and any(host == h or host.endswith("." + h) for h in hosts)


def tenant_of(raw: dict[str, Any]) -> str | None:
    return ((raw.get("channelData") or {}).get("tenant") or {}).get("id") or (
        raw.get("conversation") or {}
    ).get("tenantId")


def is_channel(raw: dict[str, Any]) -> bool:
    conversation = raw.get("conversation") or {}
    return conversation.get("conversationType") == "channel" or bool(
        (raw.get("channelData") or {}).get("channel")
    )
