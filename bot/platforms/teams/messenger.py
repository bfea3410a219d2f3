"""Teams outbound, for RQ jobs: proactive posts, in-place updates and 1:1s through the Bot Framework.

With `endpoint.py` (inbound), the only platform modules that import botbuilder; what the messages mean lives
in plain JSON modules (`payloads`, `refs`, `users` here, `handlers/teams/`), so a move to the M365 Agents SDK
rewrites these and `proactive.py` (the conversation plumbing this module sends through).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from botbuilder.core import TurnContext, serializer_helper
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationParameters,
)
from botframework.connector.auth import ServiceClientCredentialsFactory
from msrest.exceptions import HttpOperationError

from bot.core.audit import Audit
from bot.core.cards import Card
from bot.core.models import MessageRef
from bot.core.sender import Sender
from bot.core.settings import Settings
from bot.core.store import Store
from bot.platforms.teams.adaptive import (
    MAX_REFRESH_USERS,
    attachment,
    buttons_for_everyone,
    card_attachment,
    image_card,
    image_element,
)
from bot.platforms.teams.identity import sender_text, with_sender
from bot.platforms.teams.images import Images
from bot.platforms.teams.payloads import PLATFORM, service_url_allowed
from bot.platforms.teams.proactive import Proactive
from bot.platforms.teams.refs import ConversationRefs, message_link
from bot.platforms.teams.retry import retry_policy
from bot.platforms.teams.retry import status_of as _status
from bot.platforms.teams.status_card import status_card
from bot.platforms.teams.text import teams_text
from bot.platforms.teams.users import TeamsUsers

log = logging.getLogger(__name__)


class TeamsMessenger:
    """The Messenger for RQ jobs: proactive posts and in-place updates through `continue_conversation`."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        store: Store,
        settings: Settings,
        audit: Audit | None = None,
        attempts: int = 4,
        backoff_seconds: float = 0.5,
        max_backoff_seconds: float = 8.0,
        max_retry_after: float = 30.0,
        credentials: ServiceClientCredentialsFactory | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        self.refs, self.settings = ConversationRefs(store=store), settings
        self.users = TeamsUsers(store=store)
        self.sender: Sender | None = None  # set on the copies `as_sender` makes
        retry = retry_policy(
            attempts=attempts,
            backoff_seconds=backoff_seconds,  # bounded, jittered
            max_backoff_seconds=max_backoff_seconds,
            max_retry_after=max_retry_after,
            sleep=sleep,
        )
        self.turns = Proactive(
            refs=self.refs, settings=settings, retry=retry, audit=audit, credentials=credentials
        )

    def as_sender(self, sender: Sender) -> TeamsMessenger:
        """Messages and cards that carry the AI worker's name and icon (bot/platforms/teams/identity.py)."""
        twin = copy.copy(self)
        twin.sender = sender
        return twin

    def _message(self, text: str, card: Card | None, **extra: Any) -> Activity:
        sender = self.sender
        text = teams_text(text, self.users.name)
        if card is None:
            return Activity(type=ActivityTypes.message, text=sender_text(text, sender), **extra)
        mris = self.users.mris(card.approvers, limit=MAX_REFRESH_USERS)
        content = attachment(
            card,
            with_actions=buttons_for_everyone(card, mris, setting=self.settings.teams_buttons),
            refresh_users=mris,
            who=self.users.name,
        )
        content = {**content, "content": with_sender(content["content"], sender)}
        return Activity(type=ActivityTypes.message, summary=text, attachments=[content], **extra)

    def post(
        self, *, conversation: str, thread: str | None, text: str, card: Card | None = None
    ) -> MessageRef:
        async def send(context: TurnContext) -> Any:
            # The continuation event has a made-up id the SDK would reply to; a proactive post replies to
            # nothing (SendToConversation; the reply chain, if any, is in the conversation id).
            context.activity.id = None
            return await context.send_activity(self._message(text, card))

        try:
            sent = self.turns.run(lambda: self.turns.send(conversation, thread, send))
        except HttpOperationError as err:
            if _status(err) != 403:
                raise
            self.turns.gone(conversation, err)
            return MessageRef(platform=self.platform, conversation=conversation, ts="", thread=thread)
        return MessageRef(
            platform=self.platform, conversation=conversation, ts=sent.id if sent else "", thread=thread
        )

    def post_image(self, *, conversation: str, png: bytes, title: str, alt_text: str) -> None:
        """A card with the image at a signed URL `serve` answers (bot/platforms/teams/images.py)."""
        url = self._image_url(png)
        if url is not None:
            content = image_card(title=title, url=url, alt_text=alt_text)
            self._post_activity(
                conversation, Activity(type=ActivityTypes.message, summary=title, attachments=[content])
            )

    def post_adaptive_card(
        self, *, conversation: str, summary: str, card: dict[str, Any], png: bytes | None, alt_text: str
    ) -> MessageRef:
        """One message with an Adaptive Card built elsewhere (the digest's) and, when `png` is given and
        `serve` has a public URL, that image after the card's title."""
        url = self._image_url(png) if png is not None else None
        image = image_element(url=url, alt_text=alt_text) if url else None
        content = card_attachment(card, image=image)
        sent = self._post_activity(
            conversation, Activity(type=ActivityTypes.message, summary=summary, attachments=[content])
        )
        return MessageRef(platform=self.platform, conversation=conversation, ts=sent.id if sent else "")

    def _image_url(self, png: bytes) -> str | None:
        url = Images(redis=self.refs.store.redis, prefix=self.refs.store.prefix, settings=self.settings).put(
            png
        )
        if url is None:
            log.warning("MISSIONBOT_PUBLIC_URL is not set: the digest's chart is not posted on Teams")
        return url

    def _post_activity(self, conversation: str, activity: Activity) -> Any:
        """Send a new message to the conversation (not a reply); a 403 marks it gone (None)."""

        async def send(context: TurnContext) -> Any:
            context.activity.id = None  # a proactive post (see `post`)
            return await context.send_activity(activity)

        try:
            return self.turns.run(lambda: self.turns.send(conversation, None, send))
        except HttpOperationError as err:
            if _status(err) != 403:
                raise
            self.turns.gone(conversation, err)
            return None

    def update(self, ref: MessageRef, *, text: str, card: Card | None = None) -> None:
        if not ref.ts:  # never delivered (403 at post time): nothing to update
            return
        self._replace(ref, self._message(text, card, id=ref.ts))

    def _replace(self, ref: MessageRef, activity: Activity) -> None:
        async def replace(context: TurnContext) -> Any:
            return await context.update_activity(activity)

        try:
            self.turns.run(lambda: self.turns.send(ref.conversation, ref.thread, replace))
        except HttpOperationError as err:
            if _status(err) != 403:
                raise
            self.turns.gone(ref.conversation, err)

    def update_status(self, ref: MessageRef, *, text: str, cancel: str | None) -> None:
        """A mission's status message: with the requester's Cancel button while `cancel` (its id) is set."""
        if cancel is None or not ref.ts:
            self.update(ref, text=text)
            return
        shown = teams_text(text, self.users.name)
        content = status_card(shown, mission_id=cancel)
        content = {**content, "content": with_sender(content["content"], self.sender)}
        self._replace(
            ref, Activity(type=ActivityTypes.message, summary=shown, attachments=[content], id=ref.ts)
        )

    def direct(self, *, user: str, text: str, card: Card | None = None) -> MessageRef | None:
        """A 1:1 message to `user` (Entra object id or MRI), opened with `create_conversation` from what we
        stored when they last wrote to the bot; None when we know nothing of them (they never did) or Teams
        refuses the chat (403: the app is not installed for them)."""
        known = self.users.lookup(user)
        if known is None or not service_url_allowed(known.get("service_url"), settings=self.settings):
            return None
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount().deserialize(known["bot"]),
            members=[ChannelAccount(id=known["mri"])],
            tenant_id=known.get("tenant"),
            channel_data={"tenant": {"id": known.get("tenant")}},
        )
        found: list[tuple[str, Any]] = []

        async def send(context: TurnContext) -> None:
            self.refs.save(
                serializer_helper(TurnContext.get_conversation_reference(context.activity)), is_channel=False
            )  # later updates of this copy go through the stored reference
            context.activity.id = None  # a new message, not a reply to the creation event
            found.append(
                (context.activity.conversation.id, await context.send_activity(self._message(text, card)))
            )

        try:
            self.turns.run(lambda: self.turns.create(parameters, known["service_url"], send, found.clear))
        except HttpOperationError as err:
            if _status(err) != 403:
                raise  # transient: the caller's retry delivers it later
            log.error("Teams refused a 1:1 with %s (403): %s", user, str(err)[:200])
            return None
        conversation, sent = found[-1]
        return MessageRef(
            platform=self.platform, conversation=conversation, ts=sent.id if sent else "", thread=None
        )

    def permalink(self, *, conversation: str, message: str) -> str | None:
        return message_link(conversation, message)

    def ephemeral(self, *, conversation: str, user: str, text: str) -> None:
        # Teams has no ephemeral messages in channels; a proactive 1:1 needs the user's chat, which we
        # keep only once they have written to the bot. Fall back to a mention-free post in the conversation.
        self.post(conversation=conversation, thread=None, text=text)
