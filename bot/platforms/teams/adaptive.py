"""Adaptive Card (1.5) rendering of the platform-neutral `Card`, for Microsoft Teams.

Approve and Reject are `Action.Execute` (Universal Actions): Teams sends an `adaptiveCard/action` invoke
and shows the card we answer with. By default the posted copy carries the buttons for everyone (clients
without user-specific views, such as the Agents Playground, show them) and the server refuses anyone not
authorized, with the reason. With `MISSIONBOT_TEAMS_BUTTONS=approvers` the posted copy is the status view
and `refresh.userIds` lists the approvers' MRIs, whose clients fetch their own view with the buttons.

People are shown by name: `who` maps a user id to the name Teams told us (bot/platforms/teams/users.py).
"""

from __future__ import annotations

from typing import Any

from bot.core.cards import Card
from bot.core.messages import PLATFORM_NAMES, Who, reason_words
from bot.core.sender import Sender
from bot.platforms.teams.edit_form import APPROVE_EDIT, edit_action
from bot.platforms.teams.identity import sender_header

VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"
APPROVE, REJECT, REFRESH, UNDO = "mb_approve", "mb_reject", "mb_refresh", "mb_undo"
MAX_REFRESH_USERS = 60  # Teams runs automatic refresh for at most 60 listed users


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def as_is(user: str) -> str:
    """A person when no name is known: their id (the automatic approval in words)."""
    return "automatically" if user == "auto" else user


def decision_line(card: Card, who: Who = as_is) -> str:
    """ "Rejected by Ada Owner on Teams at Nov 21, 2026, 7:55 PM UTC (wrong amount: too high)"."""
    line = card.headline(who, reason=False) if card.decided_by or card.halted_by else card.status_line
    if card.decided_on:
        line += f" on {PLATFORM_NAMES.get(card.decided_on, card.decided_on)}"
    if card.decided_at:
        line += f" at {card.when(card.decided_at)}"
    reason = ": ".join(x for x in (reason_words(card.reason_code), card.comment) if x)
    return line + (f" ({reason})" if reason else "")


def _data(card: Card, verb: str) -> dict[str, str]:
    # `mb_verb` travels in data too, so a client that falls back to Action.Submit still says what it meant.
    return {"proposal_id": card.proposal_id, "mb_verb": verb}


def _approval_data(card: Card, verb: str) -> dict[str, str]:
    """An approval also says which arguments it saw: a copy shown before an edit is refused."""
    return _data(card, verb) | {"args_version": str(card.args_version)}


def _actions(card: Card) -> list[dict[str, Any]]:
    reject_form = {
        "type": "AdaptiveCard",
        "body": [
            {
                "type": "Input.ChoiceSet",
                "id": "reason_code",
                "label": "Reason",
                "isRequired": True,
                "errorMessage": "Pick a reason",
                "style": "compact",
                "value": card.reason_codes[0],
                "choices": [{"title": code.replace("_", " "), "value": code} for code in card.reason_codes],
            },
            {
                "type": "Input.Text",
                "id": "comment",
                "label": "Comment (optional)",
                "isMultiline": True,
                "maxLength": 500,
            },
        ],
        "actions": [
            {
                "type": "Action.Execute",
                "title": "Reject",
                "verb": REJECT,
                "style": "destructive",
                "data": _data(card, REJECT),
                "associatedInputs": "auto",
            }
        ],
    }
    return [
        {
            "type": "Action.Execute",
            "title": "Approve",
            "verb": APPROVE,
            "style": "positive",
            "data": _approval_data(card, APPROVE),
            "associatedInputs": "none",
        },
        *edit_action(card, _approval_data(card, APPROVE_EDIT)),
        {"type": "Action.ShowCard", "title": "Reject…", "card": reject_form},
    ]


def _byline(card: Card, who: Who) -> str:
    """Who asked and the mission; the worker's name is the header above (`sender_header`), once."""
    parts = []
    if card.requester:
        parts.append(f"asked by {who(card.requester)}")
    parts.append(f"mission {card.mission_id}")
    return " · ".join(parts)


def _thread_action(card: Card) -> list[dict[str, Any]]:
    """The request's thread as a native button (no Markdown link in the text)."""
    if not card.thread_link:
        return []
    return [{"type": "Action.OpenUrl", "title": "Open the request's thread", "url": card.thread_link}]


def _mission_link(mission: str, url: str | None) -> str:
    """A precedent's mission as a Markdown link to its thread (TextBlock renders links), else its id."""
    return f"[{mission}]({url})" if url else mission


def _body(card: Card, who: Who) -> list[dict[str, Any]]:
    action = f"{card.action} ({card.tool})" if card.description else card.action
    body: list[dict[str, Any]] = [
        sender_header(Sender(card.worker_display, icon_url=card.worker_icon)),
        _text(card.headline(who), size="Medium", weight="Bolder"),
        _text(action, spacing="None"),
        _text(_byline(card, who), isSubtle=True, spacing="Small"),
        {"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in card.facts]},
    ]
    if card.rationale:
        body.append(_text(f"Why: {card.rationale}"))
    body += [_text(line) for line in card.insight_lines(link=_mission_link)]
    if card.open:
        body.append(_text(card.rule_text, isSubtle=True))
    if card.context:
        body.append(_text("Added by the requester: " + " / ".join(card.context), isSubtle=True))
    if card.escalation_note:
        body.append(_text(card.escalation_note, isSubtle=True))
    if card.progress:
        body.append(_text(card.progress, isSubtle=True))
    if card.open:
        body.append(_text(card.status_line, isSubtle=True))
    else:
        color = (
            "Good" if card.status in {"approved", "executing", "executed", "shadow_approved"} else "Attention"
        )
        body.append(_text(decision_line(card, who), weight="Bolder", color=color))
    return body


def card_payload(
    card: Card,
    *,
    with_actions: bool = True,
    refresh_users: list[str] | None = None,
    who: Who = as_is,
) -> dict[str, Any]:
    """The card as Teams gets it. `with_actions=False` is the status view (user-specific views only).
    `refresh_users`: the approvers' MRIs; unset, the approvers configured as MRIs (`29:…`) are used."""
    payload: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": VERSION,
        "body": _body(card, who),
        "fallbackText": card.notification(who),
        "msteams": {"width": "Full"},  # a Teams-only key: the public 1.5 schema does not know it
    }
    if card.open:
        payload["refresh"] = {
            "action": {
                "type": "Action.Execute",
                "verb": REFRESH,
                "title": "Refresh",
                "data": _data(card, REFRESH),
            },
            "userIds": _refresh_users(card, refresh_users),
        }
        if with_actions:
            payload["actions"] = _actions(card)
    if not card.open and card.undo_tool and card.undo_until:
        # Anyone may press it; the core decides who may ask (requester, approvers, owner) and until when.
        until = card.when(card.undo_until)
        payload["actions"] = [
            {
                "type": "Action.Execute",
                "title": "Undo",
                "verb": UNDO,
                "data": _data(card, UNDO),
                "associatedInputs": "none",
                "tooltip": f"Propose {card.undo_tool} to reverse this (until {until})",
            }
        ]
    if thread := _thread_action(card):
        payload["actions"] = [*payload.get("actions", []), *thread]
    return payload


def buttons_for_everyone(card: Card, mris: list[str], *, setting: str) -> bool:
    """Whether the posted copy carries the buttons: always under the default setting ("everyone"); under
    "approvers" (user-specific views) only when those cannot reach the approvers: none of them has met the
    bot (no MRI to list), or there are more than 60. The server refuses anyone not authorized either way
    (handlers/teams/actions.py)."""
    if setting != "approvers":
        return True
    return not mris or len(set(card.approvers)) > MAX_REFRESH_USERS


def _refresh_users(card: Card, given: list[str] | None) -> list[str]:
    users = given if given is not None else [a for a in card.approvers if a.startswith("29:")]
    return list(dict.fromkeys(users))[:MAX_REFRESH_USERS]  # Teams: userIds are MRIs, at most 60


def attachment(
    card: Card, *, with_actions: bool = True, refresh_users: list[str] | None = None, who: Who = as_is
) -> dict[str, Any]:
    return {
        "contentType": CONTENT_TYPE,
        "content": card_payload(card, with_actions=with_actions, refresh_users=refresh_users, who=who),
    }


def image_element(*, url: str, alt_text: str) -> dict[str, Any]:
    """The digest's chart, stretched to the card's width; Teams fetches it from `url`."""
    return {"type": "Image", "url": url, "altText": alt_text[:1000], "size": "Stretch"}


def image_card(*, title: str, url: str, alt_text: str) -> dict[str, Any]:
    """An Adaptive Card with a title and one image (the digest's chart)."""
    body = [
        {"type": "TextBlock", "text": title, "weight": "Bolder", "wrap": True},
        image_element(url=url, alt_text=alt_text),
    ]
    return card_attachment(
        {"type": "AdaptiveCard", "version": "1.5", "body": body, "msteams": {"width": "Full"}}
    )


def card_attachment(content: dict[str, Any], *, image: dict[str, Any] | None = None) -> dict[str, Any]:
    """A card built elsewhere (the digest's) as an attachment; `image` goes right after its title."""
    body = content.get("body", [])
    if image is not None:
        body = [*body[:1], image, *body[1:]]
    return {"contentType": CONTENT_TYPE, "content": {"$schema": SCHEMA_URL, **content, "body": body}}
