"""Routing: a `worker-name:` prefix wins, then the conversation's bound workers, then any worker's `match`.

A pattern that runs out of time is a no-match (tests/guarantees/test_bounds_regex.py).
"""

from __future__ import annotations

import pytest

from bot.core.config import load_workers
from bot.core.config.models import MissionSpec
from bot.core.routing import NoRoute, Route, clean, help_text, route
from tests.conftest import CONFIGS


@pytest.fixture(scope="module")
def workers():
    return load_workers(CONFIGS)


def test_the_bots_own_mention_is_dropped_on_slack_and_teams():
    assert clean("<@U0BOT> ESC-1 please ") == "ESC-1 please"
    assert clean("<at>Missionbot</at> hi") == "hi"


def test_a_prefix_picks_the_worker_and_the_match_fills_the_mission_vars(workers):
    found = route(workers, conversation="C0ELSEWHERE", text="<@U0BOT> support-triage: ESC-1042 please")
    assert isinstance(found, Route)
    assert (found.worker.name, found.mission, found.text) == (
        "support-triage",
        "triage_escalation",
        "ESC-1042 please",
    )
    assert found.vars == {"ticket_id": "1042"}


def test_a_bound_worker_with_one_mission_takes_anything_said_in_its_channel(workers):
    found = route(workers, conversation="C0SUPPORT", text="hello there")
    assert isinstance(found, Route) and found.worker.name == "support-triage" and found.vars == {}


def test_a_match_finds_the_worker_from_any_conversation_and_drops_unset_groups(workers):
    found = route(workers, conversation="C0ELSEWHERE", text="access for jdoe to github")
    assert isinstance(found, Route) and found.worker.name == "it-access"
    assert found.vars == {"username": "jdoe", "app": "github"}  # the optional `days` group did not match


def test_nothing_matching_lists_the_candidates_and_how_to_pick(workers):
    missed = route(workers, conversation="C0ELSEWHERE", text="what can you do?")
    assert isinstance(missed, NoRoute) and missed.worker is None
    assert {w.name for w in missed.candidates} == set(workers)
    text = help_text(missed)
    assert "`it-access:` IT Access Desk" in text and text.endswith(
        "Start your message with `worker-name:` to pick one."
    )


def test_a_clear_worker_without_a_matching_mission_lists_its_missions(workers):
    triage = workers["support-triage"]
    two = triage.model_copy(
        update={
            "missions": {
                **triage.missions,
                "refund": MissionSpec(description="Refund an order", match=["refund"]),
            }
        }
    )
    missed = route({"support-triage": two}, conversation="C0SUPPORT", text="hello")
    assert isinstance(missed, NoRoute) and missed.worker is two
    assert help_text(missed).startswith("Support Triage did not recognise that request.")
    assert "• refund: Refund an order" in help_text(missed)
