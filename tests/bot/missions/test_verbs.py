"""The one `/mission` verb table (bot/missions/verbs.py): parsing, usage, replies,
the same on every surface."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.core.errors import NotAuthorized
from bot.core.models import Request
from bot.missions import verbs
from bot.missions.service import MissionService
from handlers.console.shell import ConsoleSurface
from handlers.slack import commands as slack_commands

HELP = "the surface's help"


def reply(rt, text: str, *, user: str = "U0MANAGER", prefix: str = verbs.SLACK_PREFIX) -> str:
    return verbs.answer(
        MissionService(rt),
        verbs.parse(text),
        user=user,
        channel="C0SUPPORT",
        help_text=HELP,
        prefix=prefix,
    )


def test_parse_reads_a_verb_in_any_case_and_an_empty_line_as_help():
    assert verbs.parse("  STATUS  m-1 ") == verbs.Command("status", ("m-1",), "STATUS  m-1")
    assert verbs.parse("").verb == "help" and verbs.parse("").args == ()
    assert verbs.parse("digest support-triage here").here
    assert not verbs.parse("digest support-triage").here
    assert not verbs.parse("digest support-triage there").well_formed
    assert not verbs.parse("kill").well_formed and not verbs.parse("frobnicate").known


def test_usage_and_help_lines_follow_the_surfaces_prefix():
    assert verbs.usage("kill") == "/mission kill <worker>"
    assert verbs.usage("kill", prefix="/") == "/kill <worker>"
    lines = verbs.help_lines(prefix="/", line="{usage} = {what}")
    assert len(lines) == len(verbs.VERBS) and lines[0] == "/help = this list"


def test_every_verb_answers(rt):
    mission = (
        MissionService(rt)
        .create(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042"))
        .mission
    )
    well_formed = {
        "help": "",
        "workers": "",
        "status": mission.id.lower(),  # ids are read in any case
        "autonomy": "support-triage shadow",
        "kill": "support-triage",
        "resume": "support-triage",
        "digest": "support-triage",
        "cancel": "",
        "delegate": f"<@U0OWNER2|owner2> until {date.today() + timedelta(days=30)}",
        "delegations": "",
        "away": "off",
    }
    assert list(well_formed) == list(verbs.VERBS)  # a new verb needs a line here, and an answer
    for verb, args in well_formed.items():
        if verb == "cancel":  # the requester's own, still waiting
            asked = MissionService(rt).create(
                Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
            )
            answered = reply(rt, f"cancel {asked.mission.id}", user="U0AGENT")
            assert answered.startswith(f"⏹ {asked.mission.id} is cancelled")
            continue
        answered = reply(rt, f"{verb} {args}")
        assert answered and not answered.startswith(("I don't know", "Usage:")), verb
    assert reply(rt, f"status {mission.id}").startswith(f"{mission.id} (support-triage/")


def test_wrong_arguments_and_unknown_verbs_are_answered_not_raised(rt):
    assert reply(rt, "kill") == "Usage: `/mission kill <worker>`: pull a worker's kill switch (its owner)."
    assert (
        reply(rt, "kill", prefix="/") == "Usage: `/kill <worker>`: pull a worker's kill switch (its owner)."
    )
    assert reply(rt, "Frobnicate now") == f"I don't know `/mission Frobnicate now`.\n{HELP}"
    assert reply(rt, "help") == HELP and reply(rt, "") == HELP


def test_who_may_is_the_cores_rule(rt):
    with pytest.raises(NotAuthorized):
        reply(rt, "kill support-triage", user="U0AGENT")
    assert not rt.control("support-triage").killed
    assert reply(rt, "autonomy support-triage SHADOW") == "support-triage is now shadow."


def test_slack_and_the_shell_give_the_same_replies(rt):
    shell = ConsoleSurface(rt, user="U0MANAGER", channel="C0SUPPORT")
    for line in (
        "kill support-triage",
        "resume support-triage",
        "autonomy support-triage assisted",
        "workers",
    ):
        on_slack = slack_commands.answer(MissionService(rt), user="U0MANAGER", channel="C0SUPPORT", text=line)
        assert shell.handle(f"/{line}") == on_slack, line
    assert verbs.usage("status", prefix="/") in shell.handle("/help")
