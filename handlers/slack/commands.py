"""`/mission help | workers | status <id> | autonomy <worker> <mode> | kill <worker> | resume <worker> |
digest <worker> [here]`: the verb table of bot/missions/verbs.py, answered on Slack.

Answers are ephemeral (a digest is shown as blocks, and goes to the channel with `here`); who may do what
is the core's rule (owner-only controls raise NotAuthorized).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import MissionbotError
from bot.core.runtime import Runtime
from bot.missions import verbs
from bot.missions.digest import render
from bot.missions.service import MissionService
from bot.platforms.slack.background import tasks_for
from handlers.slack.reply import core, ephemeral

VERBS = verbs.VERBS  # manifest.yml's usage hint lists these
HELP = (
    "*/mission* commands:\n"
    + "".join(f"{line}\n" for line in verbs.help_lines())
    + "Mention me (or DM me) with a request to start a mission; decide on proposals with the card "
    "buttons or in my App Home."
)


def answer(service: MissionService, *, user: str, channel: str, text: str) -> str:
    """The reply to one command line as text; raises MissionbotError for the user to read."""
    return verbs.answer(service, verbs.parse(text), user=user, channel=channel, help_text=HELP)


def register(app: AsyncApp, *, service: MissionService, rt: Runtime) -> None:
    tasks = tasks_for(app)

    async def digest(client: AsyncWebClient, *, user: str, channel: str, command: verbs.Command) -> None:
        try:
            found = await core(service.digest, command.args[0], actor=user)
        except MissionbotError as err:
            await ephemeral(client, channel=channel, user=user, text=str(err))
            return
        blocks, fallback = render.blocks(found), render.title(found)
        if command.here:
            await client.chat_postMessage(
                channel=channel, text=fallback, blocks=blocks, unfurl_links=False, unfurl_media=False
            )
        else:
            await client.chat_postEphemeral(channel=channel, user=user, text=fallback, blocks=blocks)

    async def run(client: AsyncWebClient, command: dict[str, Any]) -> None:
        user, channel = command["user_id"], command["channel_id"]
        parsed = verbs.parse(command.get("text") or "")
        if parsed.verb == "digest" and parsed.well_formed:  # Slack shows a digest as blocks
            await digest(client, user=user, channel=channel, command=parsed)
            return
        try:
            text = await core(answer, service, user=user, channel=channel, text=command.get("text") or "")
        except MissionbotError as err:
            text = str(err)
        await ephemeral(client, channel=channel, user=user, text=text)

    @app.command("/mission")
    async def on_mission(ack, command: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        tasks.spawn(run(client, command), name="slack-command")
