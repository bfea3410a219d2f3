"""`/approve 3 4 7` in the shell: a batch of exact cards of one tool, each decided on its own."""

from __future__ import annotations

from bot.core.config.tools import EditBounds
from handlers.console.shell import ConsoleSurface
from tests.guarantees.test_exactly_once import credits
from tests.support.approvals import events, reconfigure


def test_a_batch_approves_each_card_and_reports_one_decided_meanwhile(rt, run_jobs):
    shell = ConsoleSurface(rt, user="U0AGENT", channel="C0SUPPORT")
    for i in range(3):
        shell.handle(f"ESC-1042 case {i}")
    run_jobs()
    shell.drain()
    shell.handle("/as U0OWNER1")
    assert shell.handle("/pending").count("helpdesk.issue_credit") == 3
    other = ConsoleSurface(rt, user="U0OWNER2", channel="C0SUPPORT")
    other.number(shell.cards[2])
    assert other.handle("/approve 1") == "recorded: approved by U0OWNER2"  # card #2, decided elsewhere
    answer = shell.handle("/approve 1 2 3").splitlines()
    assert answer[0] == "#1 recorded: approved" and answer[2] == "#3 recorded: approved"
    assert answer[1].startswith("#2 not decided: ") and "U0OWNER2" in answer[1]
    for pid in shell.cards.values():
        assert len(events(rt, pid)) == 1  # one decision each, never twice
    assert shell.handle("/approve 1 9") == "no card #9"
    assert shell.handle("/reject 1 3").startswith("A batch rejection takes one reason code")


def test_a_batch_refuses_and_names_a_card_changed_since_it_was_printed(rt, run_jobs):
    """Quorum 2: OWNER2 changes card #1's amount; OWNER1's `/approve 1 2 3`, before the shell printed the
    changed card, counts for #2 and #3 and names #1; once the shell printed it, it counts."""
    reconfigure(rt, tool={"editable": {"amount": EditBounds(gte=0, lte=250)}, "approvals_required": 2})
    shell = ConsoleSurface(rt, user="U0AGENT", channel="C0SUPPORT")
    for i in range(3):
        shell.handle(f"ESC-1042 case {i}")
    run_jobs()
    shell.drain()  # cards #1-#3, amount 40
    other = ConsoleSurface(rt, user="U0OWNER2", channel="C0SUPPORT")
    other.drain()
    assert other.handle("/approve 1 amount=25") == "recorded: pending by U0OWNER2 with changes"
    shell.handle("/as U0OWNER1")
    answer = shell.handle("/approve 1 2 3").splitlines()
    assert answer[0] == f"#1 not decided: {shell.cards[1]} changed since the list was shown: look again"
    assert answer[1:] == ["#2 recorded: pending", "#3 recorded: pending"]
    assert [a.actor for a in rt.store.proposal(shell.cards[1]).approvals] == ["U0OWNER2"]
    run_jobs()
    shell.drain()  # the changed card, printed
    assert shell.handle("/approve 1 2").splitlines()[0] == "#1 recorded: approved"
    run_jobs()
    assert [c["amount"] for c in credits(rt)] == [25.0]
