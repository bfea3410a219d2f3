"""Who may ask (bot/missions/requesters.py): `requesters:` people or groups, a per-person hourly cap, and
the requester's cancel, whose cards flip to "Cancelled by the requester"."""

from __future__ import annotations

import pytest

from bot.core.cards import card_for
from bot.core.errors import NotAuthorized
from bot.core.models import Request
from bot.missions import requesters
from bot.missions.service import MissionService
from tests.support.approvals import WORKER, define_groups, parked


def ask(rt, requester: str):
    return MissionService(rt).create(
        Request(platform="console", conversation="C0SUPPORT", requester=requester, text="ESC-1042")
    )


def restrict(rt, **update) -> None:
    worker = rt.workers[WORKER]
    limits = worker.limits.model_copy(update=update.pop("limits", {}))
    rt.workers[WORKER] = worker.model_copy(update={**update, "limits": limits})


def test_only_listed_requesters_or_group_members_may_ask_and_others_are_told_why(rt):
    define_groups(rt, agents={"slack": ["U0AGENT"]})
    restrict(rt, requesters=["@agents", "U0BOSS"])
    refused = ask(rt, "U0STRANGER")
    assert refused.mission is None and refused.text.startswith("Only @agents, @U0BOSS can ask Support Triage")
    assert rt.store.open_missions(WORKER) == []  # nothing recorded
    assert ask(rt, "U0AGENT").mission is not None and ask(rt, "U0BOSS").mission is not None


def test_a_person_has_an_hourly_cap_across_their_accounts(rt):
    restrict(rt, limits={"missions_per_person_per_hour": 2})
    rt.people.learn_email(account="U0AGENT", email="agent@example.com")
    rt.people.learn_email(account="29:1agent", email="agent@example.com")
    assert ask(rt, "U0AGENT").mission and ask(rt, "29:1agent").mission
    capped = ask(rt, "U0AGENT")
    assert capped.mission is None and "2 missions in the last hour, your limit" in capped.text
    assert ask(rt, "U0OTHER").mission is not None  # someone else is not capped by it


def test_a_request_the_workers_own_limits_refuse_does_not_use_up_the_persons_cap(rt):
    restrict(rt, limits={"missions_per_person_per_hour": 2, "missions_per_hour": 1})
    assert ask(rt, "U0AGENT").mission is not None
    refused = ask(rt, "U0AGENT")
    assert refused.mission is None and "Support Triage has taken 1 missions in the last hour" in refused.text
    restrict(rt, limits={"missions_per_hour": 10})
    assert ask(rt, "U0AGENT").mission is not None  # the refused one was not counted: 2 of 2
    assert "your limit" in ask(rt, "U0AGENT").text


def test_the_requester_cancels_and_the_cards_say_so(rt, run_jobs):
    pid = parked(rt, run_jobs)
    mission_id = rt.store.proposal(pid).mission_id
    with pytest.raises(NotAuthorized, match="Only the requester @U0AGENT"):
        requesters.cancel(rt, mission_id, actor="U0OWNER1")
    assert requesters.cancel(rt, mission_id, actor="U0AGENT").status == "withdrawn"
    run_jobs()
    proposal = rt.store.proposal(pid)
    assert proposal.status == "closed"
    assert card_for(proposal, rt.worker(WORKER)).status_line.startswith("Cancelled by the requester")
    kinds = [e["kind"] for e in rt.audit.events() if e.get("mission") == mission_id]
    assert "mission.cancel_requested" in kinds and "mission.withdrawn" in kinds
