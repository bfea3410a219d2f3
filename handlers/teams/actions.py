"""What a Teams card action means to the core, read from the raw JSON (no Bot Framework types here).

Card actions (Action.Execute invokes and legacy Action.Submit messages) become `MissionService.decide`
(requests are `turns.py`'s). A refresh, and anything with `trigger: automatic`, only ever reads: Teams
sends those by itself whenever an approver looks at the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.cards import card_for
from bot.core.errors import AlreadyDecided, BadRequest, Halted, NotAuthorized, NotFound
from bot.missions.service import MissionService
from bot.platforms.teams.adaptive import (
    APPROVE,
    CONTENT_TYPE,
    MAX_REFRESH_USERS,
    REFRESH,
    REJECT,
    UNDO,
    card_payload,
)
from bot.platforms.teams.payloads import PLATFORM
from bot.platforms.teams.users import TeamsUsers, identity

MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
ERROR_TYPE = "application/vnd.microsoft.error"


def actor_of(raw: dict[str, Any], known: set[str] | frozenset[str] = frozenset()) -> str:
    """The person behind an activity: the one of their ids (Entra object id, `from.id`) that the config
    names in `known`, else the Entra object id when Teams sends it, else `from.id`."""
    return identity(raw, set(known))


@dataclass(frozen=True, kw_only=True)
class CardAction:
    verb: str
    proposal_id: str
    actor: str
    automatic: bool
    reason_code: str | None = None
    comment: str | None = None


def card_action(raw: dict[str, Any], known: set[str] | frozenset[str] = frozenset()) -> CardAction | None:
    """From an `adaptiveCard/action` invoke, or a message carrying a submitted card's `value`."""
    value = raw.get("value")
    if not isinstance(value, dict):
        return None
    if raw.get("type") == "invoke":
        action = value.get("action") or {}
        data, verb = action.get("data") or {}, action.get("verb") or ""
    else:
        data, verb = value, value.get("mb_verb") or ""
    if (
        not isinstance(data, dict)
        or not data.get("proposal_id")
        or verb not in {APPROVE, REJECT, REFRESH, UNDO}
    ):
        return None
    comment = (data.get("comment") or "").strip() or None
    return CardAction(
        verb=verb,
        proposal_id=str(data["proposal_id"]),
        actor=actor_of(raw, known),
        automatic=value.get("trigger") == "automatic",
        reason_code=data.get("reason_code") or None,
        comment=comment,
    )


def _card(service: MissionService, proposal_id: str, actor: str) -> dict[str, Any]:
    proposal = service.rt.store.proposal(proposal_id)
    try:
        service.authorize_decision(proposal, actor)
        may_decide = True
    except NotAuthorized:
        may_decide = False
    card = card_for(proposal, service.rt.worker(proposal.worker), redactor=service.rt.redactor)
    refresh = TeamsUsers(store=service.rt.store, people=service.rt.people).mris(
        card.approvers, limit=MAX_REFRESH_USERS
    )
    return {
        "statusCode": 200,
        "type": CONTENT_TYPE,
        "value": card_payload(card, with_actions=may_decide, refresh_users=refresh),
    }


def _message(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": MESSAGE_TYPE, "value": text}


def answer(service: MissionService, action: CardAction) -> dict[str, Any]:
    """The invoke response body: the card as this user should now see it, or a message why not."""
    try:
        if action.automatic or action.verb == REFRESH:
            return _card(service, action.proposal_id, action.actor)
        if action.verb == UNDO:
            undo = service.request_undo(action.proposal_id, actor=action.actor)
            return _message(f"↩️ Undo requested: {undo.tool} is proposed to the approvers ({undo.id}).")
        service.decide(
            action.proposal_id,
            actor=action.actor,
            approve=action.verb == APPROVE,
            platform=PLATFORM,
            reason_code=action.reason_code,
            comment=action.comment,
        )
        return _card(service, action.proposal_id, action.actor)
    except AlreadyDecided:
        return _card(service, action.proposal_id, action.actor)  # the card shows who decided, and when
    except (NotAuthorized, Halted, BadRequest) as err:
        return _message(str(err))
    except NotFound as err:
        return {"statusCode": 404, "type": ERROR_TYPE, "value": {"code": "NotFound", "message": str(err)}}


def answer_text(body: dict[str, Any]) -> str:
    """The same outcome as a chat reply (legacy Action.Submit cannot replace the card in its answer)."""
    if body["type"] == MESSAGE_TYPE:
        return body["value"]
    if body["type"] == CONTENT_TYPE:
        return body["value"].get("fallbackText", "")
    return body["value"]["message"]
