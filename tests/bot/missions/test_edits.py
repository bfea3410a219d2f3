"""Approve with changes (bot/missions/edited.py, rules in bot/core/policy/edits.py): within the bounds the
edited, normalized arguments run under a key that covers them; outside the bounds, through `forbid` or for a
non-editable argument the edit is refused with the reason and nothing changes; under a quorum an edit
resets the approvals given; the audit, the card and the verdict say what changed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.cards import card_for
from bot.core.config.tools import EditBounds
from bot.core.errors import AlreadyDecided, BadRequest, Halted
from bot.core.policy import edits
from bot.missions import controls, decisions, kill_switch
from bot.missions.digest.compute import compute
from bot.platforms.console.text import render_card
from tests.guarantees.test_exactly_once import credits
from tests.support.approvals import WORKER, events, parked, reconfigure

BOUNDS = {"amount": EditBounds(gte=0, lte=250), "reason": EditBounds(max_length=40)}


@pytest.fixture
def editable(rt):
    reconfigure(rt, tool={"editable": BOUNDS})
    return rt


def test_an_edit_within_bounds_runs_exactly_the_edited_arguments(editable, run_jobs):
    rt = editable
    pid = parked(rt, run_jobs)
    before = rt.store.proposal(pid)
    assert before.args["amount"] == 40
    p = decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack", edits={"amount": "30"})
    assert (p.status, p.args["amount"], p.original_args) == ("approved", 30.0, before.args)
    run_jobs()
    done = rt.store.proposal(pid)
    assert done.status == "executed"
    [credit] = credits(rt)
    assert (credit["amount"], credit["account_id"]) == (30.0, "ACME-7")
    assert edits.idempotency_key(done).startswith(f"{pid}:") and edits.idempotency_key(before) == pid
    [decision] = events(rt, pid)
    assert decision["data"]["original_args"]["amount"] == 40
    assert decision["data"]["edited_args"]["amount"] == 30
    assert decision["data"]["edited_by"] == "U0OWNER1"
    card = card_for(done, rt.worker(WORKER))
    assert card.progress == "approved with changes: amount 40 → 30"
    assert "approved with changes: amount 40 → 30" in render_card(card)
    verdict = rt.store.mission(done.mission_id).verdict or ""
    assert "approved by @U0OWNER1 (approved with changes: amount 40 → 30)" in verdict


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"amount": "300"}, "amount = 300 is out of bounds: it must be ≤ 250."),
        ({"amount": "-1"}, "amount = -1 is out of bounds: it must be ≥ 0."),
        ({"amount": "lots"}, "amount must be a number"),
        ({"amount": "nan"}, "amount must be a finite number"),
        ({"account_id": "EVIL-1"}, "account_id cannot be changed; editable: amount, reason."),
        ({"reason": "x" * 41}, "reason is 41 characters; at most 40"),
        ({"amount": "0"}, "amount: Input should be greater than 0"),  # the tool's own schema
    ],
)
def test_an_edit_outside_the_bounds_is_refused_and_changes_nothing(editable, run_jobs, change, reason):
    rt = editable
    pid = parked(rt, run_jobs)
    before = rt.store.proposal(pid)
    with pytest.raises(BadRequest) as err:
        decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack", edits=change)
    assert reason in str(err.value)
    assert rt.store.proposal(pid) == before and events(rt, pid) == []


def test_an_edit_passes_the_gate_again(rt, run_jobs):
    reconfigure(rt, tool={"editable": {"amount": EditBounds(lte=1000)}})
    pid = parked(rt, run_jobs)
    before = rt.store.proposal(pid)
    with pytest.raises(BadRequest, match=r"refused \(forbid: amount > 500\); nothing changed"):
        decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack", edits={"amount": 600})
    assert rt.store.proposal(pid) == before
    kill_switch.pull(rt, WORKER, actor="U0MANAGER")
    with pytest.raises((Halted, AlreadyDecided)):  # the pull halts the card too
        decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack", edits={"amount": 30})
    assert credits(rt) == []


def test_a_tool_without_editable_takes_no_edits_and_a_rejection_takes_none(rt, run_jobs):
    pid = parked(rt, run_jobs)
    with pytest.raises(BadRequest, match="cannot be changed"):
        decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack", edits={"amount": 30})
    reconfigure(rt, tool={"editable": BOUNDS})
    with pytest.raises(BadRequest, match="Changes go with an approval"):
        decisions.decide(
            rt,
            pid,
            actor="U0OWNER1",
            approve=False,
            platform="slack",
            reason_code="other",
            edits={"amount": 3},
        )
    same = decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack", edits={"amount": "40"})
    assert same.status == "approved" and same.original_args is None  # no change: a plain approval


def test_under_a_quorum_an_edit_resets_the_approvals_given(rt, run_jobs):
    reconfigure(rt, tool={"editable": BOUNDS, "approvals_required": 2})
    pid = parked(rt, run_jobs)
    first = decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack")
    assert [a.actor for a in first.approvals] == ["U0OWNER1"]
    edited = decisions.decide(rt, pid, actor="U0OWNER2", approve=True, platform="slack", edits={"amount": 25})
    assert edited.status == "pending" and [a.actor for a in edited.approvals] == ["U0OWNER2"]
    progress = card_for(edited, rt.worker(WORKER)).progress or ""
    assert "1 of 2 approvals: @U0OWNER2" in progress
    assert "changed by @U0OWNER2 before approval: amount 40 → 25 (approvals start again)" in progress
    final = decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack")
    assert final.status == "approved"
    run_jobs()
    assert [c["amount"] for c in credits(rt)] == [25.0]


def test_the_digest_counts_an_edit_in_the_override_and_half_against_shadow_agreement(editable, run_jobs):
    rt = editable
    pid = parked(rt, run_jobs)
    decisions.decide(rt, pid, actor="U0OWNER1", approve=True, platform="slack", edits={"amount": 30})
    run_jobs()
    controls.set_autonomy(rt, WORKER, "shadow", actor="U0MANAGER")
    shadow = parked(rt, run_jobs, text="ESC-1042 again")
    answered = decisions.decide(
        rt, shadow, actor="U0OWNER2", approve=True, platform="slack", edits={"amount": 5}
    )
    assert (answered.status, answered.args["amount"]) == ("shadow_approved", 5.0)
    run_jobs()
    assert [c["amount"] for c in credits(rt)] == [30.0]  # the shadow edit ran nothing
    week = compute(rt, WORKER, end=rt.clock() + timedelta(seconds=1)).current
    assert (week.approved, week.edited, week.rejected, week.override_rate) == (1, 1, 0, 1.0)
    assert (week.shadow_approved, week.shadow_edited, week.shadow_agreement) == (1, 1, 0.5)
