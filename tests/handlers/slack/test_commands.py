"""`/mission` over HTTP: answers are ephemeral, owner-only controls are the core's rule, kill flips cards."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.missions.service import MissionService
from handlers.slack.commands import VERBS, answer
from tests.handlers.slack.test_actions import parked


async def test_kill_by_the_owner_flips_the_open_card_to_halted(slack, run_jobs):
    pid, card_ts = await parked(slack, run_jobs)
    refused = await slack.command("kill support-triage", user="U0AGENT")
    assert refused.status == 200
    await slack.settle()
    assert "owner" in slack.ephemerals("U0AGENT")[0] and slack.rt.store.proposal(pid).status == "pending"

    await slack.command("kill support-triage", user="U0MANAGER")
    await slack.settle()
    run_jobs()
    assert slack.rt.store.proposal(pid).status == "halted"
    card = [m for m in slack.api.messages("C0APPROVALS") if m["ts"] == card_ts][0]
    assert "🛑" in str(card["blocks"]) and "actions" not in [b["type"] for b in card["blocks"]]
    assert "halted" in slack.ephemerals("U0MANAGER")[0]


async def test_help_workers_status_and_autonomy(slack, run_jobs):
    await slack.command("", user="U0AGENT")
    await slack.command("workers", user="U0AGENT", channel="C0SUPPORT")
    await slack.command("autonomy support-triage shadow", user="U0MANAGER")
    await slack.command("status M-NOPE", user="U0AGENT")
    await slack.settle()
    answers = slack.ephemerals("U0AGENT")  # each command answers in the background: order not guaranteed
    assert len(answers) == 3
    [help_text] = [a for a in answers if "/mission kill" in a]
    [status] = [a for a in answers if "M-NOPE" in a]
    [workers] = [a for a in answers if a not in (help_text, status)]
    assert "&lt;worker&gt;" in help_text
    assert "support-triage" in workers and "it-access" not in workers
    assert "no mission" in status.lower()
    assert slack.rt.control("support-triage").autonomy == "shadow"


async def test_help_lists_every_verb_the_command_understands(slack):
    service = MissionService(slack.rt)
    for verb in VERBS:  # each one is understood (with or without its arguments)
        assert not answer(service, user="U0AGENT", channel="C0SUPPORT", text=verb).startswith("I don't know")
    assert answer(service, user="U0AGENT", channel="C0SUPPORT", text="frobnicate").startswith("I don't know")
    await slack.command("help", user="U0AGENT")
    await slack.settle()
    [help_text] = slack.ephemerals("U0AGENT")
    for verb in VERBS:
        assert f"`/mission {verb}" in help_text, verb
    assert "App Home" in help_text and "Mention me" in help_text  # what is not a verb is named too
    manifest = yaml.safe_load((Path(__file__).resolve().parents[3] / "manifest.yml").read_text())
    hint = manifest["features"]["slash_commands"][0]["usage_hint"]
    assert {part.split()[0] for part in hint.split(" | ")} == set(VERBS)
