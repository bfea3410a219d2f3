"""The console surface: type requests as a chosen user, read threads, decide on numbered cards.

`ConsoleSurface.handle(line)` is the whole surface (tests drive it directly); `interact()` adds a
prompt and a thread that prints what workers post through the ConsoleMessenger.
"""

from __future__ import annotations

import itertools
import shlex
import sys
import threading
import time
from typing import TextIO

from redis.exceptions import RedisError
from rq.registry import StartedJobRegistry

from bot.core.cards import Card
from bot.core.errors import AlreadyDecided, MissionbotError
from bot.core.inputs import parse_pairs
from bot.core.messages import already_decided
from bot.core.models import MessageRef, Request
from bot.core.runtime import Runtime
from bot.core.sender import spoken
from bot.missions import verbs
from bot.missions.service import MissionService, Submitted
from bot.platforms.console.messenger import ConsoleMessenger
from bot.platforms.console.text import render_card

# The shell's own commands; the `/mission` verbs (bot/missions/verbs.py) follow, written `/verb`.
OWN_COMMANDS = [
    ("/as <user>", "act as another user (approvers: see /workers)"),
    ("/in <channel>", "post in another channel"),
    ("/approve <n> [<n>...]", "approve card #n (several: a batch of one tool, each decided on its own)"),
    ("/approve <n> arg=value", "approve card #n with changes to its editable arguments"),
    ("/reject <n> [<n>...] <reason> [comment...]", "reject card #n with a reason code (several: no comment)"),
    ("/undo <n>", "ask to reverse executed card #n (an approver decides)"),
    (
        "/reply <mission id> <text>",
        "add to your mission (answers an approver's request for more information)",
    ),
    ("/pending", "cards you may decide"),
]
LINE = "  {usage:<23} {what}"
HELP = "\n".join(
    [
        'Type a request (e.g. "ESC-1042 customer asks for a credit"), or a command:',
        *(LINE.format(usage=usage, what=what) for usage, what in OWN_COMMANDS),
        *verbs.help_lines(prefix="/", line=LINE),
        "  /quit",
    ]
)


class ConsoleSurface:
    def __init__(self, rt: Runtime, *, user: str, channel: str) -> None:
        self.rt, self.user, self.channel = rt, user, channel
        self.service = MissionService(rt)
        self.outbox = ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix)
        self.cursor = "0-0"
        self.cards: dict[int, str] = {}  # card number -> proposal id
        self.shown: dict[str, int] = {}  # proposal id -> the arguments' version of the card printed last
        self._numbers: dict[str, int] = {}

    def number(self, proposal_id: str) -> int:
        if proposal_id not in self._numbers:
            self._numbers[proposal_id] = len(self._numbers) + 1
            self.cards[self._numbers[proposal_id]] = proposal_id
        return self._numbers[proposal_id]

    def _ack(self, submitted: Submitted) -> MessageRef | None:
        """The "queued" line goes to the outbox as the mission's status message; a refusal is returned."""
        if submitted.mission is None:
            return None
        return self.outbox.post(conversation=self.channel, thread=submitted.mission.id, text=submitted.text)

    def handle(self, line: str) -> str:
        line = line.strip()
        if not line:
            return ""
        if not line.startswith("/"):
            submitted = self.service.submit(
                Request(platform="console", conversation=self.channel, requester=self.user, text=line),
                post_ack=self._ack,
            )
            return "" if submitted.mission is not None else submitted.text
        try:
            return self._command(*shlex.split(line[1:]))
        except AlreadyDecided as err:
            return f"✋ {already_decided(err)}"
        except MissionbotError as err:
            return f"✋ {err}"
        except (TypeError, ValueError, IndexError):
            return "Wrong arguments; /help lists the commands."

    def _command(self, name: str, *args: str) -> str:
        svc = self.service
        if name == "as":
            self.user = args[0]
            return f"you are now {self.user}"
        if name == "in":
            self.channel = args[0]
            return f"now posting in {self.channel}"
        numbers = list(itertools.takewhile(str.isdigit, args))
        if name in {"approve", "reject"} and len(numbers) > 1:
            return self._batch(name == "approve", numbers, args[len(numbers) :])
        if name in {"approve", "reject"}:
            pid = self.cards.get(int(args[0]))
            if pid is None:
                return f"no card #{args[0]}"
            approve = name == "approve"
            p = svc.decide(
                pid,
                actor=self.user,
                approve=approve,
                platform="console",
                reason_code=None if approve else (args[1] if len(args) > 1 else None),
                comment=None if approve else (" ".join(args[2:]) or None),
                edits=parse_pairs(args[1:]) if approve else None,  # `/approve 1 amount=30`
                seen_version=self.shown.get(pid),  # refused if the arguments changed since it was printed
            )
            changed = " with changes" if approve and p.edited_by == self.user else ""
            return f"recorded: {p.status.replace('_', ' ')} by {self.user}{changed}"
        if name == "undo":
            pid = self.cards.get(int(args[0]))
            if pid is None:
                return f"no card #{args[0]}"
            undo = svc.request_undo(pid, actor=self.user)
            return f"undo requested: {undo.tool} waits for an approver (card #{self.number(undo.id)})"
        if name == "reply":
            mission = svc.add_context(args[0].upper(), user=self.user, text=" ".join(args[1:]))
            return f"added to {mission.id}" + (" (resuming)" if mission.status == "running" else "")
        if name == "pending":
            pending = svc.pending_for(self.user)
            return (
                "\n".join(f"#{self.number(p.id)} {p.tool} ({p.worker}, {p.mission_id})" for p in pending)
                or "nothing waiting for you"
            )
        if name.lower() in verbs.VERBS:  # the same verbs, replies and rules as Slack's `/mission`
            command = verbs.Command(name.lower(), args, " ".join((name, *args)))
            return verbs.answer(
                svc, command, user=self.user, channel=self.channel, help_text=HELP, prefix="/"
            )
        return f"unknown command /{name}; /help lists them"

    def _batch(self, approve: bool, numbers: list[str], rest: tuple[str, ...]) -> str:
        """`/approve 3 4 7`, `/reject 3 4 wrong_amount`: exact card numbers; a batch takes no edits."""
        if approve and rest:
            return "A batch approval takes no changes; approve one card at a time to change it."
        unknown = [n for n in numbers if int(n) not in self.cards]
        if unknown:
            return f"no card #{', #'.join(unknown)}"
        if not approve and len(rest) != 1:
            return "A batch rejection takes one reason code and no comment."
        ids = [self.cards[int(n)] for n in numbers]
        outcomes = self.service.decide_batch(
            ids,
            actor=self.user,
            approve=approve,
            platform="console",
            reason_code=rest[0] if rest else None,
            seen={
                pid: self.shown.get(pid) for pid in ids
            },  # the cards as printed last: edited since, refused
        )
        return "\n".join(
            f"#{self.number(o.proposal)} "
            + (f"recorded: {o.status.replace('_', ' ')}" if o.status else f"not decided: {o.refused}")
            for o in outcomes
        )

    def drain(self, *, block_ms: int | None = None) -> list[str]:
        """Render what the workers posted since the last call."""
        lines = []
        for mid, msg in self.outbox.read(self.cursor, block_ms=block_ms):
            self.cursor = mid
            lines.append(self.render(msg))
        return [line for line in lines if line]

    def render(self, msg: dict) -> str:
        where = f"[{msg.get('conversation')}" + (f" › {msg['thread']}" if msg.get("thread") else "") + "]"
        if msg.get("card"):
            card = Card.model_validate(msg["card"])
            self.shown[card.proposal_id] = card.args_version
            verb = "card updated" if msg["op"] == "update" else "card"
            return f"{where} {verb}\n{render_card(card, number=self.number(card.proposal_id))}"
        if msg["op"] == "ephemeral":
            return f"{where} (only {msg['user']}) {msg['text']}" if msg["user"] == self.user else ""
        prefix = "status ↻ " if msg["op"] == "update" else ""
        return f"{where} {prefix}{spoken(msg['text'], msg.get('from'))}"  # the worker speaks as itself

    def settle(self, *, timeout: float = 30) -> None:
        """Wait until the workers have nothing queued or running (piped input: answer in order)."""
        queues = [self.rt.missions_queue, self.rt.actions_queue]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            busy = sum(len(q) + StartedJobRegistry(q.name, connection=self.rt.redis).count for q in queues)
            if not busy:
                return
            time.sleep(0.05)

    def interact(self, *, stdin: TextIO = sys.stdin) -> None:  # pragma: no cover - by hand and the demo
        """A prompt; a tail thread prints what workers post. Piped input runs line by line, in order."""
        scripted = not stdin.isatty()
        stop = threading.Event()

        def tail() -> None:
            while not stop.is_set():
                try:
                    lines = self.drain(block_ms=500)
                except RedisError:
                    if stop.is_set():
                        return  # the embedded Redis is shutting down with us
                    raise
                for line in lines:
                    print(f"\n{line}", flush=True)

        follower = None if scripted else threading.Thread(target=tail, daemon=True)
        if follower:
            follower.start()
        print(HELP)
        try:
            for line in iter(lambda: self._read_line(stdin, scripted), None):
                if line.strip() in {"/quit", "/exit"}:
                    break
                out = self.handle(line)
                if out:
                    print(out)
                if scripted:
                    self.settle()
                    for shown in self.drain():
                        print(shown)
        finally:
            stop.set()
            if follower:
                follower.join(timeout=2)

    def _read_line(self, stdin: TextIO, scripted: bool) -> str | None:
        prompt = f"{self.user}@{self.channel}> "
        if not scripted:
            try:
                return input(prompt)
            except EOFError:
                return None
        line = stdin.readline()
        if not line:
            return None
        print(prompt + line.rstrip("\n"))
        return line
