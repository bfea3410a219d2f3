"""`/approve 3 4 7` in the shell: a batch of exact cards of one tool, each decided on its own."""

from __future__ import annotations

from handlers.console.shell import ConsoleSurface
from tests.support.approvals import events


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
