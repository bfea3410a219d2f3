"""What a Teams card action means to the core, read from the raw JSON (no Bot Framework types here).

Card actions (Action.Execute invokes and legacy Action.Submit messages) become `MissionService.decide`
(requests are `turns.py`'s). A refresh, and anything with `trigger: automatic`, only ever reads: Teams
sends those by itself whenever an approver looks at the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.card_edits import version_of
from bot.core.cards import Card, card_for
from bot.core.errors import AlreadyDecided, BadRequest, Halted, MissionbotError, NotAuthorized, NotFound
from bot.missions import requesters
from bot.missions.batch import summary
from bot.missions.service import MissionService
from bot.platforms.teams.adaptive import (
    APPROVE,
    CONTENT_TYPE,
    MAX_REFRESH_USERS,
    REFRESH,
    REJECT,
    UNDO,
    buttons_for_everyone,
    card_payload,
)
from bot.platforms.teams.batch_card import batch_card
from bot.platforms.teams.edit_form import APPROVE_EDIT, edits_of
from bot.platforms.teams.payloads import PLATFORM
from bot.platforms.teams.text import teams_text
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
    edits: dict[str, str] | None = None  # "Approve with changes": {argument: value}
    seen_version: int | None = None  # the arguments' version on the card (bot/core/card_edits.py)


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
        or verb not in {APPROVE, APPROVE_EDIT, REJECT, REFRESH, UNDO}
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
        edits=edits_of(data) if verb == APPROVE_EDIT else None,
        seen_version=version_of(data.get("args_version")),
    )


def _card(service: MissionService, proposal_id: str, actor: str) -> dict[str, Any]:
    """The card as `actor` should see it: with buttons for an approver, and for everyone when the posted copy
    carries them (a click is then refused with its reason, rather than buttons vanishing on refresh)."""
    proposal = service.rt.store.proposal(proposal_id)
    try:
        service.authorize_decision(proposal, actor)
        may_decide = True
    except NotAuthorized:
        may_decide = False
    card = card_for(proposal, service.rt.worker(proposal.worker), redactor=service.rt.redactor)
    users = TeamsUsers(store=service.rt.store, people=service.rt.people)
    refresh = users.mris(card.approvers, limit=MAX_REFRESH_USERS)
    everyone = buttons_for_everyone(card, refresh, setting=service.rt.settings.teams_buttons)
    return {
        "statusCode": 200,
        "type": CONTENT_TYPE,
        "value": card_payload(
            card, with_actions=may_decide or everyone, refresh_users=refresh, who=users.name
        ),
    }


def _message(text: str) -> dict[str, Any]:
    return {"statusCode": 200, "type": MESSAGE_TYPE, "value": text}


def _not_found(err: NotFound) -> dict[str, Any]:
    return {"statusCode": 404, "type": ERROR_TYPE, "value": {"code": "NotFound", "message": str(err)}}


def _refusal(service: MissionService, text: str) -> dict[str, Any]:
    return _message(teams_text(text, TeamsUsers(store=service.rt.store, people=service.rt.people).name))


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
            approve=action.verb in {APPROVE, APPROVE_EDIT},
            platform=PLATFORM,
            reason_code=action.reason_code,
            comment=action.comment,
            edits=action.edits,
            seen_version=action.seen_version,
        )
        return _card(service, action.proposal_id, action.actor)
    except AlreadyDecided:  # the card as it is now: its header says who decided (or halted) it, and how
        return _card(service, action.proposal_id, action.actor)
    except (NotAuthorized, Halted, BadRequest) as err:  # why this person cannot act, people by name
        return _refusal(service, str(err))
    except NotFound as err:
        return _not_found(err)


def cancel(service: MissionService, mission_id: str, *, actor: str) -> dict[str, Any]:
    """The Cancel button of a status message: the requester's cancel, or why this person may not."""
    try:
        return _message(requesters.cancelled_text(requesters.cancel(service.rt, mission_id, actor=actor)))
    except NotFound as err:
        return _not_found(err)
    except MissionbotError as err:  # not the requester, or no longer open
        return _refusal(service, str(err))


def batch(
    service: MissionService, picked: tuple[bool, dict[str, int | None], str | None], *, actor: str
) -> dict[str, Any]:
    """ "Approve selected" / "Reject selected" on the batch list: each ticked card its own decision
    (bot/missions/batch.py); the answer is the list again, headed by what was and was not decided."""
    approve, seen, reason = picked  # seen: {id: the arguments' version the list showed}
    if not seen or not (approve or reason):
        return _message("Select the cards first; a rejection also needs a reason.")
    try:
        how = {"actor": actor, "approve": approve, "platform": PLATFORM, "reason_code": reason}
        note = summary(service.decide_batch(list(seen), seen=seen, **how))
    except MissionbotError as err:
        return _refusal(service, str(err))
    return {
        "statusCode": 200,
        "type": CONTENT_TYPE,
        "value": batch_card(pending_cards(service, actor), note=note),
    }


def pending_cards(service: MissionService, actor: str) -> list[Card]:
    rt = service.rt
    return [card_for(p, rt.worker(p.worker), redactor=rt.redactor) for p in service.pending_for(actor)]


def answer_text(body: dict[str, Any]) -> str:
    """The same outcome as a chat reply (legacy Action.Submit cannot replace the card in its answer)."""
    if body["type"] == MESSAGE_TYPE:
        return body["value"]
    if body["type"] == CONTENT_TYPE:
        return body["value"].get("fallbackText", "")
    return body["value"]["message"]
