"""The `/mission` verbs, once for every surface: their usage, their parsing and the reply text.

Slack's `/mission <verb> …` and the shell's `/<verb> …` answer from this one table; a surface chooses only
how a verb is written (`prefix`), how its help is laid out, and how it shows an error. Who may do what is
the core's rule: an owner-only control raises NotAuthorized through MissionService, and the surface shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.missions import delegation, requesters
from bot.missions.controls import AUTONOMY_MODES
from bot.missions.digest import render
from bot.missions.service import MissionService

SLACK_PREFIX = "/mission "  # how Slack writes a verb; the shell writes "/" instead


@dataclass(frozen=True, kw_only=True)
class Verb:
    args: str  # what follows the verb in its usage, e.g. "<worker>"
    what: str  # what it does, for the help
    arity: tuple[int, ...]  # the argument counts it accepts


# Every verb, in the order help lists them. A surface's dispatcher refuses a verb missing here, so help
# cannot fall behind the commands (and manifest.yml's usage hint is tested against these keys).
VERBS: dict[str, Verb] = {
    "help": Verb(args="", what="this list", arity=(0,)),
    "workers": Verb(args="", what="the AI workers of this channel", arity=(0,)),
    "status": Verb(args="<mission id>", what="where a mission stands", arity=(1,)),
    "autonomy": Verb(
        args=f"<worker> <{'|'.join(AUTONOMY_MODES)}>",
        what="change a worker's autonomy (its owner)",
        arity=(2,),
    ),
    "kill": Verb(args="<worker>", what="pull a worker's kill switch (its owner)", arity=(1,)),
    "resume": Verb(args="<worker>", what="release the kill switch (its owner)", arity=(1,)),
    "digest": Verb(
        args="<worker> [here]",
        what="the worker's weekly digest, to you or to this channel (its owner and approvers)",
        arity=(1, 2),
    ),
    "cancel": Verb(args="<mission id>", what="withdraw a mission you asked for while it waits", arity=(1,)),
    "delegate": Verb(
        args="<@colleague> until <YYYY-MM-DD> | off",
        what="let a colleague decide your approvals on your behalf until that day (or stop)",
        arity=(1, 3),
    ),
    "delegations": Verb(args="", what="who decides for you, and for whom you decide", arity=(0,)),
    "away": Verb(
        args="until <YYYY-MM-DD> | off",
        what="mark yourself away: the escalation ladder skips you unless you delegated",
        arity=(1, 2),
    ),
}


@dataclass(frozen=True)
class Command:
    verb: str  # lower case; "help" for an empty line
    args: tuple[str, ...]
    text: str = ""  # as typed, for the answer to a verb nobody knows

    @property
    def known(self) -> bool:
        return self.verb in VERBS

    @property
    def well_formed(self) -> bool:
        """A known verb with as many arguments as it takes (digest's second one can only be `here`)."""
        if not self.known or len(self.args) not in VERBS[self.verb].arity:
            return False
        words = tuple(a.lower() for a in self.args)
        if self.verb in {"delegate", "away"}:  # `… off`, or `… until DATE`
            return words == ("off",) or (len(words) >= 2 and words[-2] == "until")
        return self.verb != "digest" or self.args[1:] in ((), ("here",))

    @property
    def here(self) -> bool:
        """`digest <worker> here`: to the channel rather than to the asker alone."""
        return self.verb == "digest" and self.args[1:] == ("here",)


def _delegation(service: MissionService, verb: str, args: tuple[str, ...], *, user: str) -> str:
    """delegate / delegations / away (bot/missions/delegation.py); dates are checked there."""
    rt = service.rt
    off = tuple(a.lower() for a in args) == ("off",)
    if verb == "delegations":
        return delegation.listing(rt, actor=user)
    if verb == "away":
        delegation.set_away(rt, actor=user, until=None if off else delegation.parse_until(rt, args[-1]))
        return "You are back: cards reach you again." if off else f"You are away until {args[-1]}."
    if off:
        ended = delegation.end(rt, actor=user)
        return "Delegation ended: you decide your approvals again." if ended else "You had no delegation."
    made = delegation.delegate(
        rt, actor=user, to=delegation.person_id(args[0]), until=delegation.parse_until(rt, args[-1])
    )
    return f"@{made.delegate} may decide your approvals on your behalf until {args[-1]} (end: delegate off)."


def parse(text: str) -> Command:
    verb, *args = text.split() or ["help"]
    return Command(verb.lower(), tuple(args), text.strip())


def usage(verb: str, *, prefix: str = SLACK_PREFIX) -> str:
    args = VERBS[verb].args
    return f"{prefix}{verb}" + (f" {args}" if args else "")


def help_lines(*, prefix: str = SLACK_PREFIX, line: str = "• `{usage}`: {what}") -> list[str]:
    """One line per verb, in the table's order, in the surface's layout (`line` gets usage and what)."""
    return [line.format(usage=usage(verb, prefix=prefix), what=v.what) for verb, v in VERBS.items()]


def answer(
    service: MissionService,
    command: Command,
    *,
    user: str,
    channel: str,
    help_text: str,
    prefix: str = SLACK_PREFIX,
) -> str:
    """The reply to one command. `help_text` is the surface's help (the verbs' lines and what else it
    offers), the answer to `help` and to an unknown verb. Raises MissionbotError for the user to read."""
    if not command.known:
        return f"I don't know `{prefix}{command.text}`.\n{help_text}"
    if command.verb == "help":
        return help_text
    if not command.well_formed:
        return f"Usage: `{usage(command.verb, prefix=prefix)}`: {VERBS[command.verb].what}."
    args = command.args
    match command.verb:
        case "workers":
            return service.workers_here(channel)
        case "status":
            return service.status(args[0].upper())
        case "autonomy":
            control = service.set_autonomy(args[0], args[1].lower(), actor=user)
            return f"{args[0]} is now {control.autonomy}."
        case "kill":
            service.kill(args[0], actor=user)
            return f"🛑 {args[0]} is halted: no new tool call starts, open cards are halted."
        case "resume":
            service.resume(args[0], actor=user)
            return f"▶️ {args[0]} is running again."
        case "digest":  # as text; Slack shows the same digest as blocks instead
            return render.text(service.digest(args[0], actor=user))
        case "cancel":
            cancelled = requesters.cancel(service.rt, args[0].upper(), actor=user)
            return requesters.cancelled_text(cancelled)
        case "delegate" | "delegations" | "away":
            return _delegation(service, command.verb, args, user=user)
    raise AssertionError(f"verb {command.verb!r} is in VERBS but has no answer")  # tests walk every verb
