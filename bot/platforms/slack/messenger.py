"""The Slack backend of the Messenger interface, on slack_sdk's sync WebClient (RQ jobs are sync; the
client comes from bot/platforms/slack/client.py).

Text from the core is escaped first, then the core's own `@U…` markers become mentions, so
`<!channel>` or a link inside tool output can never ping or phish anyone. Long text is split into
several thread messages instead of being rejected; unfurls stay off so a URL in a trace does not
blow up into a preview.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from slack_sdk import WebClient

from bot.core.cards import Card
from bot.core.models import MessageRef
from bot.core.sender import Sender
from bot.platforms.slack.app_home import home_view
from bot.platforms.slack.blockkit import card_blocks
from bot.platforms.slack.modals import reject_modal
from bot.platforms.slack.mrkdwn import escape, link_core_mentions, split_text, truncate
from bot.platforms.slack.status import status_blocks

TEXT_CHUNK = 3000  # one section's worth: readable, and far below chat.postMessage's 40,000
APP_REDIRECT = "https://slack.com/app_redirect"


def identity(sender: Sender | None) -> dict[str, str]:
    """chat.postMessage's `username` and icon (scope chat:write.customize): the worker posts as itself."""
    if sender is None:
        return {}
    icon = {"icon_url": sender.icon_url} if sender.icon_url else {}
    if not icon and sender.icon_emoji:
        icon = {"icon_emoji": sender.icon_emoji}
    return {"username": sender.name[:80], **icon}


def slack_text(text: str) -> str:
    """Core text made safe for mrkdwn: escaped, then the core's `@U…` markers turned into mentions."""
    return link_core_mentions(escape(text))


class SlackMessenger:
    platform = "slack"

    def __init__(self, *, client: WebClient, sender: Sender | None = None) -> None:
        self.client = client
        self.sender = sender

    def as_sender(self, sender: Sender) -> SlackMessenger:
        """This messenger posting as the AI worker (`Messengers.get(…, sender=…)`)."""
        return SlackMessenger(client=self.client, sender=sender)

    def _ref(self, answer: Any, thread: str | None) -> MessageRef:
        return MessageRef(
            platform=self.platform, conversation=answer["channel"], ts=answer["ts"], thread=thread
        )

    def post(
        self, *, conversation: str, thread: str | None, text: str, card: Card | None = None
    ) -> MessageRef:
        """A card is one message; text may become several, and the first one's ref is returned."""
        who = identity(self.sender)
        if card is not None:
            answer = self.client.chat_postMessage(
                channel=conversation,
                thread_ts=thread,
                text=truncate(slack_text(text), TEXT_CHUNK),
                blocks=card_blocks(card),
                unfurl_links=False,
                unfurl_media=False,
                **who,
            )
            return self._ref(answer, thread)
        refs = [
            self._ref(
                self.client.chat_postMessage(
                    channel=conversation,
                    thread_ts=thread,
                    text=chunk,
                    unfurl_links=False,
                    unfurl_media=False,
                    **who,
                ),
                thread,
            )
            for chunk in split_text(slack_text(text), limit=TEXT_CHUNK)
        ]
        return refs[0]

    def post_blocks(self, *, conversation: str, text: str, blocks: list[dict[str, Any]]) -> MessageRef:
        """A message laid out by the caller (the digest's Block Kit); `text` is its notification."""
        answer = self.client.chat_postMessage(
            channel=conversation,
            text=truncate(slack_text(text), TEXT_CHUNK),
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
            **identity(self.sender),
        )
        return self._ref(answer, None)

    def post_image(self, *, conversation: str, png: bytes, title: str, alt_text: str) -> str | None:
        """Upload a PNG (the digest's chart) with files_upload_v2; a user id is shared in their DM.
        Returns the file's id (App Home shows it again by id)."""
        channel = conversation
        if conversation.startswith(("U", "W")):  # files are shared by channel id: the app's DM with them
            channel = self.client.conversations_open(users=conversation)["channel"]["id"]
        answer = self.client.files_upload_v2(
            channel=channel,
            content=png,
            filename="digest-chart.png",
            title=truncate(title, 250),
            alt_txt=truncate(alt_text, 1000),
        )
        files = answer.get("files") or [answer.get("file") or {}]
        return files[0].get("id")

    def update(self, ref: MessageRef, *, text: str, card: Card | None = None) -> None:
        """chat.update in place; never response_url, which expires and is unavailable to jobs. The message
        keeps the name and icon it was posted with (chat.update cannot change them)."""
        payload: dict[str, Any] = {
            "channel": ref.conversation,
            "ts": ref.ts,
            "text": truncate(slack_text(text), TEXT_CHUNK),
        }
        if card is not None:
            payload["blocks"] = card_blocks(card)
        self.client.chat_update(**payload)

    # A mission's status message: its line and, while the mission is open, the requester's Cancel button.
    def post_status(
        self, *, conversation: str, thread: str | None, text: str, cancel: str | None
    ) -> MessageRef:
        mrkdwn = truncate(slack_text(text), TEXT_CHUNK)
        answer = self.client.chat_postMessage(
            channel=conversation,
            thread_ts=thread,
            text=mrkdwn,
            blocks=status_blocks(mrkdwn, cancel=cancel),
            unfurl_links=False,
            unfurl_media=False,
            **identity(self.sender),
        )
        return self._ref(answer, thread)

    def update_status(self, ref: MessageRef, *, text: str, cancel: str | None) -> None:
        mrkdwn = truncate(slack_text(text), TEXT_CHUNK)
        self.client.chat_update(
            channel=ref.conversation, ts=ref.ts, text=mrkdwn, blocks=status_blocks(mrkdwn, cancel=cancel)
        )

    def permalink(self, *, conversation: str, message: str) -> str | None:
        """`app_redirect` opens the channel at the message in whatever workspace the reader is signed in
        to: no workspace domain, no `chat.getPermalink` round trip."""
        return f"{APP_REDIRECT}?{urlencode({'channel': conversation, 'message_ts': message})}"

    def ephemeral(self, *, conversation: str, user: str, text: str) -> None:
        for chunk in split_text(slack_text(text), limit=TEXT_CHUNK):
            self.client.chat_postEphemeral(channel=conversation, user=user, text=chunk)

    # Slack-only extras the handlers call (positional or keyword, as the contract writes them).
    def publish_home(self, user: str, cards: list[Card]) -> None:
        self.client.views_publish(user_id=user, view=home_view(cards))

    def open_reject_modal(self, trigger_id: str, card: Card) -> str:
        """Opens the modal (trigger ids live 3 seconds, so call this before any slow work);
        returns the view id."""
        return self.client.views_open(trigger_id=trigger_id, view=reject_modal(card))["view"]["id"]
