"""The console surface: requests, threads, numbered cards, user switching, owner controls."""

from __future__ import annotations

import re

from bot.core.config.tools import EditBounds
from handlers.console.shell import ConsoleSurface
from tests.guarantees.test_exactly_once import credits
from tests.support.approvals import reconfigure


def test_a_request_a_card_and_a_decision_in_the_shell(rt, run_jobs):
    shell = ConsoleSurface(rt, user="U0AGENT", channel="C0SUPPORT")
    assert shell.handle("ESC-1042 please credit the customer") == ""
    run_jobs()
    screen = "\n".join(shell.drain())
    assert "Queued mission M-" in screen and "helpdesk.get_ticket" in screen
    assert "#1 Approval needed\n│ Issue a service credit" in screen and "[1] Approve" in screen
    assert "│ Support Triage · asked by @U0AGENT · mission M-" in screen and "│ Account ID: ACME-7" in screen
    # the worker speaks under its own name, once, and its steps read as sentences, not JSON
    assert "Support Triage: 🔎 helpdesk.get_ticket: Ticket 1042: Checkout down" in screen
    assert "⏳ Support Triage · mission M-" in screen and ": gathering 1/5" in screen
    assert "Support Triage: ⏳" not in screen
    assert '{"' not in screen
    assert "four-eyes" in shell.handle("/approve 1") or "Only" in shell.handle("/approve 1")
    assert shell.handle("/as U0OWNER1") == "you are now U0OWNER1"
    assert "nothing waiting" not in shell.handle("/pending")
    assert shell.handle("/reject 1").startswith("✋ A rejection needs a reason code")
    assert shell.handle("/reject 1 other which outage?") == "recorded: rejected by U0OWNER1"
    run_jobs()
    screen = "\n".join(shell.drain())
    assert "#1 Rejected by @U0OWNER1: other\n" in screen and "│ Rejected on the console at " in screen
    assert re.search(r"CES?T: which outage\?", screen)  # the decision time in the worker's zone (Berlin)
    assert "Verdict" in screen and "nothing was done" in screen


def test_owner_controls_and_bad_commands(rt):
    shell = ConsoleSurface(rt, user="U0AGENT", channel="C0SUPPORT")
    assert shell.handle("/kill support-triage").startswith("✋ Only Support Triage's owner")
    shell.handle("/as U0MANAGER")
    assert shell.handle("/autonomy support-triage reckless").startswith("✋ Autonomy is one of")
    assert shell.handle("/autonomy support-triage shadow") == "support-triage is now shadow."
    assert "shadow" in shell.handle("/workers")
    assert shell.handle("/frobnicate").startswith("unknown command")
    assert shell.handle("/approve") == "Wrong arguments; /help lists the commands."
    assert shell.handle("/status M-NOPE") == "✋ no mission M-NOPE"


def test_needs_more_info_is_answered_with_reply_in_the_shell(rt, run_jobs):
    shell = ConsoleSurface(rt, user="U0AGENT", channel="C0SUPPORT")
    shell.handle("ESC-1042 please credit the customer")
    run_jobs()
    mission_id = rt.store.open_missions("support-triage")[0]
    shell.drain()
    shell.handle("/as U0OWNER1")
    assert shell.handle("/reject 1 needs_more_info which outage?") == "recorded: rejected by U0OWNER1"
    run_jobs()
    assert "❓ @U0AGENT, @U0OWNER1 needs more information" in "\n".join(shell.drain())
    assert "Only @U0AGENT" in shell.handle(f"/reply {mission_id} not mine to answer")
    shell.handle("/as U0AGENT")
    assert (
        shell.handle(f"/reply {mission_id} the 09:00-11:00 UTC outage") == f"added to {mission_id} (resuming)"
    )
    run_jobs()
    screen = "\n".join(shell.drain())
    assert "#2 Approval needed" in screen
    assert "Added by the requester: the 09:00-11:00 UTC outage" in screen


def test_a_request_of_only_invisible_characters_is_no_mission(rt):
    from bot.missions.service import BLANK_REQUEST

    shell = ConsoleSurface(rt, user="U0AGENT", channel="C0SUPPORT")
    assert shell.handle("\u200b\u202e\u2066\u3164\ufe0f\U000e0041\u2800") == BLANK_REQUEST
    assert rt.store.open_missions("support-triage") == []


def test_approve_with_changes_in_the_shell(rt, run_jobs):
    reconfigure(rt, tool={"editable": {"amount": EditBounds(gte=0, lte=250)}})
    shell = ConsoleSurface(rt, user="U0AGENT", channel="C0SUPPORT")
    shell.handle("ESC-1042 please credit the customer")
    run_jobs()
    assert "│ Approve with changes  ->  approve 1 arg=value; now: amount=40 (0 to 250)" in "\n".join(
        shell.drain()
    )
    shell.handle("/as U0OWNER1")
    assert shell.handle("/approve 1 2 amount=30").startswith("A batch approval takes no changes")
    assert shell.handle("/approve 1 amount=300") == "✋ amount = 300 is out of bounds: it must be ≤ 250."
    assert shell.handle("/approve 1 amount").startswith("✋ 'amount': changes are written argument=value")
    assert shell.handle("/approve 1 amount=30") == "recorded: approved by U0OWNER1 with changes"
    run_jobs()
    screen = "\n".join(shell.drain())
    assert "│ approved with changes: amount 40 → 30" in screen
    assert "(approved with changes: amount 40 → 30)" in screen  # the verdict


def test_an_approval_of_a_card_printed_before_an_edit_is_refused(rt, run_jobs):
    """Quorum 2: OWNER1 approves card #1; OWNER2 changes the amount (the approvals start again); OWNER1's
    next /approve, before the shell printed the changed card, is refused; after it, it counts."""
    reconfigure(rt, tool={"editable": {"amount": EditBounds(gte=0, lte=250)}, "approvals_required": 2})
    first = ConsoleSurface(rt, user="U0AGENT", channel="C0SUPPORT")
    first.handle("ESC-1042 please credit the customer")
    run_jobs()
    first.drain()  # card #1, amount 40
    second = ConsoleSurface(rt, user="U0OWNER2", channel="C0SUPPORT")
    second.drain()
    first.handle("/as U0OWNER1")
    assert first.handle("/approve 1") == "recorded: pending by U0OWNER1"
    assert second.handle("/approve 1 amount=25") == "recorded: pending by U0OWNER2 with changes"
    assert first.handle("/approve 1") == "✋ The arguments changed since this card was shown: look again."
    run_jobs()
    assert "amount 40 → 25 (approvals start again)" in "\n".join(first.drain())
    assert first.handle("/approve 1") == "recorded: approved by U0OWNER1"
    run_jobs()
    assert [c["amount"] for c in credits(rt)] == [25.0]
