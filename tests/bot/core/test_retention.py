"""Retention of mission records: a closed mission's records go after the retention, pending ones never."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.core import retention
from bot.core.audit_trim import covered_key
from bot.core.audit_verify import check, sign_checkpoint
from bot.core.models import Request
from bot.missions.service import MissionService
from jobs.sweeps import sweep_retention


def _parked(rt, run_jobs) -> tuple[str, str]:
    request = Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    mission = MissionService(rt).submit(request).mission
    run_jobs()
    return mission.id, rt.store.mission(mission.id).proposals[0]


def _keys_of(rt, mission_id: str) -> list[str]:
    return [k.decode() for k in rt.redis.scan_iter(match=f"{rt.settings.key_prefix}:*{mission_id}*")]


def test_closed_missions_go_after_the_retention_and_pending_ones_stay(rt, run_jobs):
    kept, pending = _parked(rt, run_jobs)
    done, approved = _parked(rt, run_jobs)
    MissionService(rt).decide(approved, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.mission(done).status == "done" and rt.store.proposal(pending).status == "pending"
    workers = sorted(rt.workers)
    assert retention.expire_closed(rt.store, workers=workers, before=rt.clock() - timedelta(days=1)) == []
    assert retention.expire_closed(rt.store, workers=workers, before=rt.clock() + timedelta(days=1)) == [done]
    assert not rt.redis.exists(rt.store.key("proposal", approved))
    left = [k for k in _keys_of(rt, done) if ":recovery:" not in k and ":helpdesk:" not in k]
    assert left == []  # recovery marks carry a TTL; the demo backend keeps its own data
    assert done not in rt.store.missions_of("support-triage")
    assert rt.store.mission(kept).status == "awaiting_approval"  # pending: never by retention
    assert [p.id for p in rt.store.pending_proposals()] == [pending]
    MissionService(rt).decide(pending, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert rt.store.mission(kept).status == "done"


def test_missions_closed_before_the_index_existed_are_noted_once(rt, run_jobs):
    mission_id, pid = _parked(rt, run_jobs)
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=False, platform="console", reason_code="other")
    run_jobs()
    rt.redis.delete(rt.store.key("closed", "support-triage"))  # as a store of the previous release left it
    assert retention.backfill(rt.store, "support-triage") == 1
    assert retention.backfill(rt.store, "support-triage") == 0  # once
    assert retention.expire_closed(
        rt.store, workers=["support-triage"], before=rt.clock() + timedelta(1)
    ) == [mission_id]


def test_the_scheduled_sweep_applies_both_retentions(rt, run_jobs, monkeypatch):
    mission_id, pid = _parked(rt, run_jobs)
    MissionService(rt).decide(pid, actor="U0OWNER1", approve=True, platform="console")
    run_jobs()
    assert sweep_retention() == 0  # no retention configured: nothing goes
    line = sign_checkpoint(rt.audit, check(rt.audit), at=rt.clock())
    rt.redis.set(covered_key(rt.audit), json.dumps(line))  # what `audit checkpoint` records
    monkeypatch.setattr(rt.settings, "record_retention_days", 0)
    monkeypatch.setattr(rt.settings, "audit_retention_days", 0)
    events = check(rt.audit).events
    assert sweep_retention() == 1 + events
    assert not rt.redis.exists(rt.store.key("mission", mission_id))
    assert check(rt.audit).problems == [] and check(rt.audit).trimmed == events
