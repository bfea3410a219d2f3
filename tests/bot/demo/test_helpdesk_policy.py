"""The helpdesk's entitlement policy is knowledge/support/entitlements.md:
figures and citation come from it."""

from __future__ import annotations

import shutil

import pytest

from bot.core.errors import ToolError
from bot.core.models import Request
from bot.demo.helpdesk_policy import DOCUMENT, PROJECT, entitlement_policy
from bot.missions.service import MissionService

CITATION = "knowledge/support/entitlements.md § 2.1 Gold"


def test_each_tier_reads_its_figures_and_section_from_the_document():
    gold = entitlement_policy("gold")
    assert (gold["max_credit"], gold["credit_per_outage_hour"], gold["citation"]) == (250, 10, CITATION)
    assert entitlement_policy("bronze")["citation"].endswith("§ 2.3 Bronze")
    with pytest.raises(ToolError, match="no entitlement policy for tier 'platinum'"):
        entitlement_policy("platinum")


def test_editing_the_document_changes_the_policy(tmp_path):
    copy = tmp_path / DOCUMENT
    copy.parent.mkdir(parents=True)
    shutil.copy(PROJECT / DOCUMENT, copy)
    copy.write_text(copy.read_text().replace("maximum credit of 250", "maximum credit of 300"))
    assert entitlement_policy("gold", root=tmp_path)["max_credit"] == 300
    assert entitlement_policy("silver", root=tmp_path)["max_credit"] == 100


def test_the_playbook_demo_cites_the_policy_section_in_its_observation_and_card(rt, run_jobs):
    mission = (
        MissionService(rt)
        .submit(
            Request(
                platform="console",
                conversation="C0SUPPORT",
                requester="U0AGENT",
                text="ESC-1042 checkout down",
            )
        )
        .mission
    )
    run_jobs()
    parked = rt.store.mission(mission.id)
    assert parked.status == "awaiting_approval"
    observed = " ".join(o.text for o in rt.store.observations(mission.id))
    assert f"policy allows up to $250 ({CITATION})" in observed
    proposal = rt.store.proposal(parked.proposals[0])
    assert CITATION in proposal.rationale and "cap of $250" in proposal.rationale
