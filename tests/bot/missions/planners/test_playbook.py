"""The playbook's status line: gathering n/5 while it works; a resume goes straight to the verdict."""

from __future__ import annotations

from bot.core.models import Request
from bot.missions.service import MissionService
from bot.platforms.console.messenger import ConsoleMessenger


def status_updates(rt, after: str = "0-0") -> list[tuple[str, str]]:
    outbox = ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix)
    return [(mid, m["text"]) for mid, m in outbox.read(after) if m["op"] == "update" and not m.get("card")]


def test_status_line_during_the_run_and_after_the_decision(rt, run_jobs):
    svc = MissionService(rt)
    ack = ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix)
    submitted = svc.submit(
        Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042"),
        post_ack=lambda s: ack.post(conversation="C0SUPPORT", thread=None, text=s.text),
    )
    run_jobs()
    first = status_updates(rt)
    mission_id = submitted.mission.id
    assert [t for _, t in first][:5] == [
        f"⏳ Support Triage · mission {mission_id}: gathering {n}/5" for n in range(1, 6)
    ]
    # the display name, the mission id, and only who can decide (the requester U0AGENT is no approver)
    assert (
        first[-1][1] == f"✋ Support Triage · mission {mission_id}: awaiting approval by @U0OWNER1, @U0OWNER2"
    )
    svc.decide(
        rt.store.mission(submitted.mission.id).proposals[0],
        actor="U0OWNER1",
        approve=True,
        platform="console",
    )
    run_jobs()
    after = [t for _, t in status_updates(rt, first[-1][0])]
    assert after == [f"✅ Support Triage · mission {mission_id}: Resolved"]


def test_the_status_lists_only_who_can_decide_and_a_rejection_never_shows_as_success(rt, run_jobs):
    svc = MissionService(rt)
    ack = ConsoleMessenger(redis=rt.redis, prefix=rt.settings.key_prefix)
    submitted = svc.submit(  # an approver asks: under four-eyes only the other approver can decide
        Request(platform="console", conversation="C0SUPPORT", requester="U0OWNER2", text="ESC-1042"),
        post_ack=lambda s: ack.post(conversation="C0SUPPORT", thread=None, text=s.text),
    )
    run_jobs()
    first = status_updates(rt)
    mission_id = submitted.mission.id
    assert first[-1][1] == f"✋ Support Triage · mission {mission_id}: awaiting approval by @U0OWNER1"
    pid = rt.store.mission(mission_id).proposals[0]
    svc.decide(pid, actor="U0OWNER1", approve=False, platform="console", reason_code="wrong_amount")
    run_jobs()
    after = [t for _, t in status_updates(rt, first[-1][0])]
    assert after == [f"✋ Support Triage · mission {mission_id}: Rejected"]


def test_a_rejection_is_recorded_with_its_reason_and_the_playbook_stops(rt, run_jobs):
    from bot.core.config.models import ObserveStep

    worker = rt.workers["support-triage"]
    spec = worker.missions["triage_escalation"]
    after = ObserveStep(observe="after the credit: {{ credit.status }}")  # must not run after a rejection
    longer = spec.model_copy(update={"steps": [*spec.steps, after]})
    rt.workers["support-triage"] = worker.model_copy(update={"missions": {"triage_escalation": longer}})
    svc = MissionService(rt)
    sub = svc.submit(
        Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042")
    )
    run_jobs()
    pid = rt.store.mission(sub.mission.id).proposals[0]
    svc.decide(
        pid, actor="U0OWNER1", approve=False, platform="console", reason_code="wrong_amount", comment="use 30"
    )
    run_jobs()
    texts = [o.text for o in rt.store.observations(sub.mission.id)]
    assert any("rejected (wrong_amount: use 30); the playbook stops here" in t for t in texts)
    assert not any("after the credit" in t for t in texts)
    done = rt.store.mission(sub.mission.id)
    assert done.status == "done" and "rejected by @U0OWNER1 (wrong amount: use 30)" in done.verdict
    assert done.state["vars"]["credit"]["reason_code"] == "wrong_amount"
