"""What a Slack request must look like before bolt and our listeners read it: pydantic models of the fields
they read (strict types: a number or a list is never taken for an id), checked on the parsed body.

`screen(body)` answers None (dispatch it), IGNORED (a well-formed event no listener takes: Slack wants a
plain 200 for it, or it retries and eventually disables the subscription), or a 400 naming what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError, model_validator

from bot.core.inputs import Id, SlackId, SlackTs, Text
from bot.platforms.slack.blockkit import ACTION_APPROVE, ACTION_APPROVE_EDIT, ACTION_REJECT, ACTION_UNDO
from bot.platforms.slack.modals import EDIT_ACTION, EDIT_BLOCK, EDIT_MODAL, REJECT_MODAL

HANDLED_EVENTS = frozenset({"app_mention", "message", "app_home_opened", "subteam_members_changed"})
OUR_ACTIONS = frozenset({ACTION_APPROVE, ACTION_APPROVE_EDIT, ACTION_REJECT, ACTION_UNDO})
# Slack payloads that no listener here takes; Slack wants a 200 for them (a failure is retried or shown).
UNHANDLED_TYPES = frozenset(
    {
        "shortcut",
        "message_action",
        "view_closed",
        "block_suggestion",
        "app_rate_limited",
        "interactive_message",
        "dialog_submission",
        "dialog_cancellation",
        "dialog_suggestion",
    }
)


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str


IGNORED = Refusal(200, "")


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Ref(_Model):
    id: SlackId


class UserRef(_Model):
    id: SlackId
    team_id: SlackId | None = None


class Envelope(_Model):
    """Fields bolt reads off every request to build its context (slack_bolt/request/internals.py)."""

    team: SlackId | Ref | None = None
    enterprise: SlackId | Ref | None = None
    team_id: SlackId | None = None
    enterprise_id: SlackId | None = None


class Event(_Model):
    type: str
    user: SlackId | None = None
    channel: SlackId | None = None
    ts: SlackTs | None = None
    thread_ts: SlackTs | None = None
    text: Text | None = None
    bot_id: SlackId | None = None
    subtype: str | None = None
    channel_type: str | None = None
    tab: str | None = None
    subteam_id: SlackId | None = None  # subteam_members_changed: the approver group to refetch

    @model_validator(mode="after")
    def _a_person_needs_a_place(self) -> Event:
        # What the listeners read off a person's message (handlers/slack/events.py, home.py).
        person = self.type != "app_home_opened" and self.user and not self.bot_id and self.subtype is None
        if person and (self.channel is None or self.ts is None):
            raise ValueError("a person's message needs channel and ts")
        if self.type == "app_home_opened" and self.user is None:
            raise ValueError("app_home_opened needs user")
        if self.type == "subteam_members_changed" and self.subteam_id is None:
            raise ValueError("subteam_members_changed needs subteam_id")
        return self


class Authorization(_Model):
    team_id: SlackId | None = None
    user_id: SlackId | None = None
    enterprise_id: SlackId | None = None
    is_bot: bool | None = None
    is_enterprise_install: bool | None = None


class EventCallback(_Model):
    type: str
    event_id: SlackId
    team_id: SlackId | None = None
    enterprise_id: SlackId | None = None
    authorizations: list[Authorization] | None = None
    is_ext_shared_channel: bool | None = None
    event: dict[str, Any]

    @model_validator(mode="after")
    def _events_we_read(self) -> EventCallback:
        kind = self.event.get("type")
        if not isinstance(kind, str):
            raise ValueError("event.type must be a string")
        if kind in HANDLED_EVENTS:  # others are only acknowledged, never read
            Event.model_validate(self.event)
        return self


class Action(_Model):
    action_id: str
    block_id: str | None = None
    value: Id | None = None


class Container(_Model):
    channel_id: SlackId | None = None


class BlockActions(_Model):
    user: UserRef
    channel: Ref | None = None
    container: Container | None = None
    trigger_id: str
    actions: list[Action]
    message: dict[str, Any] | None = None  # the card clicked on (bolt reads it for ids)

    @model_validator(mode="after")
    def _our_buttons_carry_a_proposal(self) -> BlockActions:
        if not self.actions:
            raise ValueError("no action")
        first = self.actions[0]
        if first.action_id in OUR_ACTIONS and first.value is None:
            raise ValueError(f"{first.action_id} needs a proposal id as its value")
        return self


class Option(_Model):
    value: str


class Select(_Model):
    selected_option: Option | None = None


class Input(_Model):
    value: Text | None = None


class State(_Model):
    values: dict[str, dict[str, dict[str, Any]]]


class View(_Model):
    callback_id: str
    private_metadata: str = ""
    state: State | None = None


class ViewSubmission(_Model):
    user: UserRef
    view: View

    @model_validator(mode="after")
    def _reject_modal_fields(self) -> ViewSubmission:
        if self.view.callback_id not in {REJECT_MODAL, EDIT_MODAL}:
            return self
        _PROPOSAL_ID.validate_python(self.view.private_metadata)  # the proposal the modal decides
        values = self.view.state.values if self.view.state else {}
        if self.view.callback_id == EDIT_MODAL:  # each edited argument: a bounded text (judged by core)
            for block, actions in values.items():
                if block.startswith(EDIT_BLOCK):
                    Input.model_validate(actions.get(EDIT_ACTION, {}))
            return self
        Select.model_validate(values.get("reason", {}).get("reason_code", {}))
        Input.model_validate(values.get("comment", {}).get("comment", {}))
        return self


class Command(_Model):
    command: str
    user_id: SlackId
    channel_id: SlackId
    text: Text = ""


class UrlVerification(_Model):
    challenge: str


_PROPOSAL_ID: TypeAdapter[str] = TypeAdapter(Id)
_BY_TYPE: dict[str, type[_Model]] = {
    "event_callback": EventCallback,
    "block_actions": BlockActions,
    "view_submission": ViewSubmission,
    "url_verification": UrlVerification,
}


def screen(body: object) -> Refusal | None:
    """None when bolt may dispatch `body` (a parsed request); otherwise the answer to give instead."""
    if not isinstance(body, dict):
        return Refusal(400, "the body is not an object")
    kind = body.get("type")
    try:
        Envelope.model_validate(body)
        if "command" in body:  # bolt's own test for a slash command
            Command.model_validate(body)
            return None
        if "ssl_check" in body and kind is None:  # Slack's certificate probe: bolt answers it
            return None
        if not isinstance(kind, str):  # a list or a dict would not even hash
            return Refusal(400, "no payload type")
        if kind in UNHANDLED_TYPES:
            return IGNORED
        model = _BY_TYPE.get(kind)
        if model is None:  # bolt's own "unhandled request" logging fails on odd shapes: it never sees these
            return Refusal(400, "not a Slack payload type")
        model.model_validate(body)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return Refusal(400, f"malformed {kind or 'request'}: {where}: {first['msg']}")
    if kind == "event_callback" and body["event"]["type"] not in HANDLED_EVENTS:
        return IGNORED
    return None
