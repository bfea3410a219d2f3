"""`/mission help | workers | status <id> | autonomy <worker> <mode> | kill <worker> | resume <worker> |
digest <worker> [here]`.

Answers are ephemeral (a digest goes to the channel with `here`); who may do what is the core's rule (owner-only controls raise NotAuthorized).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import MissionbotError
from bot.core.runtime import Runtime
from bot.missions.digest import render
from bot.missions.service import AUTONOMY_MODES, MissionService
from bot.platforms.slack.background import tasks_for
from handlers.slack.reply import core, ephemeral

# Every verb `/mission` understands, in the order help lists them: (usage, what it does). The
# dispatcher below refuses a verb missing here, so help cannot fall behind the commands.
VERBS: dict[str, tuple[str, str]] = {
    "help": ("/mission help", "this list"),
    "workers": ("/mission workers", "the AI workers of this channel"),
    "status": ("/mission status <mission id>", "where a mission stands"),
    "autonomy": (
        f"/mission autonomy <worker> <{'|'.join(AUTONOMY_MODES)}>",
        "change a worker's autonomy (its owner)",
    ),
    "kill": ("/mission kill <worker>", "pull a worker's kill switch (its owner)"),
    "resume": ("/mission resume <worker>", "release the kill switch (its owner)"),
    "digest": (
        "/mission digest <worker> [here]",
        "the worker's weekly digest, to you or to this channel (its owner and approvers)",
    ),
}
HELP = (
    "*/mission* commands:\n"
    + "".join(f"• `{usage}`: {what}\n" for usage, what in VERBS.values())
    + "Mention me (or DM me) with a request to start a mission; decide on proposals with the card "
    "buttons or in my App Home."
)


def answer(service: MissionService, *, user: str, channel: str, text: str) -> str:
    """The reply to one command line (digest aside, which answers with blocks); raises MissionbotError
    for the user to read."""
    verb, *args = text.split() or ["help"]
    verb = verb.lower()
    if verb not in VERBS:
        return f"I don't know `/mission {text.strip()}`.\n{HELP}"
    if verb == "workers" and not args:
        return service.workers_here(channel)
    if verb == "status" and len(args) == 1:
        return service.status(args[0].upper())
    if verb == "autonomy" and len(args) == 2:
        control = service.set_autonomy(args[0], args[1].lower(), actor=user)
        return f"{args[0]} is now {control.autonomy}."
    if verb == "kill" and len(args) == 1:
        service.kill(args[0], actor=user)
        return f"🛑 {args[0]} is halted: no new tool call starts, open cards are halted."
    if verb == "resume" and len(args) == 1:
        service.resume(args[0], actor=user)
        return f"▶️ {args[0]} is running again."
    if verb == "help":
        return HELP
    return f"Usage: `{VERBS[verb][0]}`: {VERBS[verb][1]}."


def register(app: AsyncApp, *, service: MissionService, rt: Runtime) -> None:
    tasks = tasks_for(app)

    async def digest(client: AsyncWebClient, *, user: str, channel: str, args: list[str]) -> None:
        try:
            found = await core(service.digest, args[0], actor=user)
        except MissionbotError as err:
            await ephemeral(client, channel=channel, user=user, text=str(err))
            return
        blocks, fallback = render.blocks(found), render.title(found)
        if args[1:] == ["here"]:
            await client.chat_postMessage(
                channel=channel, text=fallback, blocks=blocks, unfurl_links=False, unfurl_media=False
            )
        else:
            await client.chat_postEphemeral(channel=channel, user=user, text=fallback, blocks=blocks)

    async def run(client: AsyncWebClient, command: dict[str, Any]) -> None:
        user, channel = command["user_id"], command["channel_id"]
        verb, *args = (command.get("text") or "").split() or ["help"]
        if verb.lower() == "digest" and args and args[1:] in ([], ["here"]):
            await digest(client, user=user, channel=channel, args=args)
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
