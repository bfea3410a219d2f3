"""Decisions name the version of the worker config in force; a changed config is audited once."""

from __future__ import annotations

import threading

from bot import app
from bot.core.audit_config import config_version, record_config_versions
from bot.core.models import Request
from bot.missions.service import MissionService


def config_events(rt) -> list[dict]:
    return [e for e in rt.audit.events() if e["kind"].startswith("config.")]


def test_a_config_is_audited_when_first_loaded_and_when_it_changes_not_on_each_start(rt, settings):
    assert record_config_versions(rt, actor="system:test") == sorted(rt.workers)
    assert {e["kind"] for e in config_events(rt)} == {"config.loaded"}
    again = app.create_runtime(settings=settings, redis=rt.redis, workers=rt.workers)  # a process restart
    assert record_config_versions(again, actor="system:test") == []

    old = config_version(rt.workers["support-triage"])
    changed = {
        **rt.workers,
        "support-triage": rt.workers["support-triage"].model_copy(update={"description": "v2"}),
    }
    starts = [app.create_runtime(settings=settings, redis=rt.redis, workers=changed) for _ in range(4)]
    threads = [
        threading.Thread(target=record_config_versions, args=(s,), kwargs={"actor": "system:test"})
        for s in starts
    ]  # four processes start with the new config at once
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    [event] = [e for e in config_events(rt) if e["kind"] == "config.changed"]
    new = config_version(changed["support-triage"])
    assert event["worker"] == "support-triage" and event["data"] == {
        "old_version": old,
        "config_version": new,
    }
    assert old != new and len(config_events(rt)) == len(rt.workers) + 1


def test_the_version_ignores_formatting_but_not_rules(rt):
    worker = rt.workers["support-triage"]
    assert config_version(worker) == config_version(worker.model_copy(deep=True))
    assert config_version(worker) != config_version(worker.model_copy(update={"autonomy": "shadow"}))


def test_human_and_auto_decisions_record_the_config_version(rt, run_jobs):
    svc = MissionService(rt)
    svc.set_autonomy("support-triage", "autonomous", actor="U0MANAGER")
    asked = [
        svc.submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=text))
        for text in ("ESC-1046", "ESC-1043")
    ]
    run_jobs()
    pending = rt.store.mission(asked[1].mission.id).proposals[0]
    svc.decide(pending, actor="U0OWNER1", approve=True, platform="console")
    version = config_version(rt.workers["support-triage"])
    decisions = [e for e in rt.audit.events() if e["kind"].startswith("decision.")]
    assert {e["kind"] for e in decisions} == {"decision.auto_approved", "decision.approved"}
    assert all(e["data"]["config_version"] == version for e in decisions)
