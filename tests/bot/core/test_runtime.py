"""The Runtime container: what the composition root wires, reachable by the core and the mission loop."""

from __future__ import annotations

import re

import pytest

from bot.core.errors import NotFound
from bot.core.models import Control
from bot.core.runtime import Runtime, new_mission_id, utc_now


def test_the_fixture_runtime_exposes_what_the_root_wires(rt, settings, redis):
    assert isinstance(rt, Runtime) and rt.settings is settings and rt.redis is redis
    prefix = settings.key_prefix
    assert rt.store.prefix == prefix and rt.audit.prefix == prefix
    assert rt.missions_queue.name == f"{prefix}-missions" and rt.actions_queue.name == f"{prefix}-actions"
    assert {"support-triage", "it-access", "support-agent"} <= set(rt.workers)
    assert "console" in rt.messengers
    assert rt.model_factory is not None and rt.planner_factory is not None
    assert "helpdesk.issue_credit" in rt.toolbox.tools_for(rt.worker("support-triage"))
    assert rt.clock().tzinfo is not None


def test_an_unknown_worker_is_not_found_naming_the_known_ones(rt):
    with pytest.raises(NotFound, match=r"no worker 'nobody'; known: .*support-triage"):
        rt.worker("nobody")


def test_a_workers_control_starts_at_its_configured_autonomy_and_follows_the_store(rt):
    assert rt.control("support-triage") == Control(autonomy="assisted")
    rt.store.set_control("support-triage", Control(autonomy="shadow", killed=True, changed_by="U0MANAGER"))
    assert rt.control("support-triage").killed and rt.control("support-triage").autonomy == "shadow"


def test_mission_ids_are_short_and_readable_aloud():
    ids = {new_mission_id() for _ in range(200)}
    assert len(ids) > 190
    assert all(re.fullmatch(r"M-[A-HJ-NP-Z2-9]{6}", i) for i in ids)  # no 0/O, no 1/I
    assert utc_now().utcoffset().total_seconds() == 0
