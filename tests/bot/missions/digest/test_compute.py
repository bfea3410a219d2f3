"""The digest's numbers against a week built through the real core API with a controlled clock.

Every expected figure below is counted by hand from the timeline in `week`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import app
from bot.core.errors import BadRequest
from bot.core.models import Request
from bot.missions.digest.compute import compute
from bot.missions.escalation import Escalator
from bot.missions.service import MissionService
from tests.bot.missions.test_escalation import around_the_clock
from tests.support.clock import Clock, clocked_runtime
from tests.support.redis_server import drain

END = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 09:00: the digest covers Nov 16 09:00 .. Nov 23 09:00


@pytest.fixture
def week(settings, redis):
    clock = Clock(datetime(2026, 11, 9, 10, 0, tzinfo=UTC))
    rt = clocked_runtime(settings, redis, clock)
    around_the_clock(rt)  # the timeline below counts wall minutes
    svc = MissionService(rt)

    def ask(ticket: str) -> tuple[str, str | None]:
        m = svc.submit(
            Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=f"ESC-{ticket}")
        ).mission
        drain(rt)
        proposals = rt.store.mission(m.id).proposals
        return m.id, proposals[0] if proposals else None

    def decide(pid: str, who: str, ok: bool, reason: str | None = None) -> None:
        svc.decide(pid, actor=who, approve=ok, platform="console", reason_code=reason)
        drain(rt)

    def at(day: int, hour: int) -> None:
        clock.now = datetime(2026, 11, day, hour, 0, tzinfo=UTC)

    # The week before: one credit approved after 10 minutes.
    _, p = ask("1042")
    clock.advance(minutes=10)
    decide(p, "U0OWNER1", True)
    # This week.
    at(16, 9)  # autonomy is raised before any rejection: over a spent budget it would be refused
    svc.set_autonomy("support-triage", "autonomous", actor="U0MANAGER")
    ask("1066")  # 5 <= 50: auto-approved
    svc.set_autonomy("support-triage", "assisted", actor="U0MANAGER")
    at(16, 10)
    m1, p1 = ask("1042")  # approved after 3 s (a rubber stamp), executed
    clock.advance(seconds=3)
    decide(p1, "U0OWNER1", True)
    at(16, 11)
    m2, p2 = ask("1043")  # rejected after 20 min
    clock.advance(minutes=20)
    decide(p2, "U0OWNER2", False, "wrong_amount")
    at(16, 12)
    m3, p3 = ask("1046")  # reminded at 31 min, rejected at 40
    clock.advance(minutes=31)
    Escalator(rt).sweep()
    clock.advance(minutes=9)
    decide(p3, "U0OWNER1", False, "policy_violation")
    at(16, 13)
    _, p4 = ask("1047")  # approved by the backup after 2 min
    clock.advance(minutes=2)
    decide(p4, "U0LEAD", True)
    at(16, 14)
    ask("1044")  # refused by the forbid rule, no proposal
    at(17, 9)
    ask("1049")  # reminded, re-routed, expired
    for minutes in (31, 30, 1380):
        clock.advance(minutes=minutes)
        Escalator(rt).sweep()
    drain(rt)
    at(18, 9)
    _, p7 = ask("1059")  # approved after 60 min, no sweep ran: a breach all the same
    clock.advance(minutes=60)
    decide(p7, "U0OWNER2", True)
    at(18, 10)
    svc.set_autonomy("support-triage", "shadow", actor="U0MANAGER")
    at(18, 11)
    _, p9 = ask("1048")  # shadow: would approve, after 5 min
    clock.advance(minutes=5)
    decide(p9, "U0OWNER1", True)
    _, p10 = ask("1065")  # shadow: would reject, after 10 min
    clock.advance(minutes=10)
    decide(p10, "U0OWNER2", False, "needs_more_info")
    svc.set_autonomy("support-triage", "assisted", actor="U0MANAGER")
    at(19, 9)
    svc.request_undo(p7, actor="U0AGENT")  # an undo: one more proposal, waiting for a human
    for mission_id, tokens in ((m1, 1500), (m2, 500)):
        rt.store.mutate_mission(mission_id, lambda m, t=tokens: m.model_copy(update={"tokens": t}))
    yield rt
    app.install(None)


def test_the_hand_computed_week(week):
    d = compute(week, "support-triage", end=END)
    c, p = d.current, d.previous
    assert (c.missions, c.proposals) == (10, 10)
    # Outcomes named apart: m2, m3 rejected; 1044 refused by a rule; 1048, 1065 shadow; 1049 expired, and
    # `on_expiry: fail` (the default) fails its mission.
    assert c.verdicts == {"resolved": 4, "rejected": 2, "refused": 1, "failed": 1, "shadow": 2}
    # The undo was requested but waits for an approver: not an override until it executes.
    assert (c.approved, c.rejected, c.decided, c.auto_approved, c.undone) == (3, 2, 5, 1, 0)
    assert c.acceptance_rate == pytest.approx(3 / 5)
    assert c.override_rate == pytest.approx((2 + 0) / (5 + 1))
    assert (c.escalated, c.waited_for_human) == (2, 9)
    assert c.escalation_rate == pytest.approx(2 / 9)
    assert sorted(c.decision_seconds) == [3, 120, 300, 600, 1200, 2400, 3600]
    assert (c.p50_seconds, c.p90_seconds) == (600, 3600)
    assert (c.sla_breaches, c.expiries, c.fast_approvals) == (3, 1, 1)
    assert (c.shadow_approved, c.shadow_rejected, c.shadow_agreement) == (1, 1, 0.5)
    assert [(r.code, r.count) for r in d.top_reasons] == [("policy_violation", 1), ("wrong_amount", 1)]
    examples = {r.code: r.example_mission for r in d.top_reasons}
    assert week.store.proposal(examples["wrong_amount"] + "-s5").status == "rejected"
    assert (d.tokens, d.token_budget, d.budget_used) == (2000, 2_000_000, 0.001)
    # The budget counts what ran by rule: 2 rejected of 3 approved + 2 rejected + 1 auto-approved.
    budget = d.error_budget
    assert (budget.rejected, budget.decided, budget.auto_approved, budget.exceeded) == (2, 6, 1, True)
    assert d.rubber_stamp_approvers == [] and d.promotions == [] and d.autonomy == "assisted"
    assert (p.missions, p.proposals, p.approved, p.decided, p.p50_seconds) == (1, 1, 1, 1, 600)
    assert p.verdicts == {"resolved": 1} and p.override_rate == 0


def test_the_hand_computed_eight_weeks(week):
    d = compute(week, "support-triage", end=END)
    assert len(d.weeks) == 8 and d.weeks[-1] == d.current and d.weeks[-2] == d.previous
    # Six empty weeks, the week before (1 mission approved after 10 min), this week (as above).
    assert [w.missions for w in d.weeks] == [0, 0, 0, 0, 0, 0, 1, 10]
    assert [w.acceptance_rate for w in d.weeks] == [None] * 6 + [1.0, pytest.approx(3 / 5)]
    assert [w.override_rate for w in d.weeks] == [None] * 6 + [0.0, pytest.approx(2 / 6)]
    assert [(w.p50_seconds, w.p90_seconds) for w in d.weeks[-2:]] == [(600, 600), (600, 3600)]
    assert [(w.sla_breaches, w.expiries) for w in d.weeks] == [(0, 0)] * 7 + [(3, 1)]
    # Raised to autonomous and back at 16 Nov 09:00 (the week's first instant), shadow on the 18th, then
    # assisted again: every week ended assisted (the config's default before any change).
    assert [w.autonomy for w in d.weeks] == ["assisted"] * 8
    # Adoption: U0AGENT asked once the week before (new then) and ten times this week (a repeat requester).
    assert [(w.requesters, w.new_requesters, w.repeat_requesters) for w in d.weeks[-2:]] == [
        (1, 1, 0),
        (1, 0, 1),
    ]
    assert d.channels == {"C0SUPPORT": 10}
    # Human decisions this week (shadow answers included): OWNER1 3 s, 40 min, 5 min; OWNER2 20 min,
    # 60 min, 10 min; LEAD 2 min. Median: nearest rank.
    assert [(a.approver, a.decided, a.median_seconds) for a in d.approvers] == [
        ("U0OWNER1", 3, 300),
        ("U0OWNER2", 3, 1200),
        ("U0LEAD", 1, 120),
    ]
    # The shipped config estimates 12 minutes per triage_escalation mission.
    assert [w.minutes_saved for w in d.weeks[-2:]] == [12, 120]


def test_the_window_spans_the_weeks_asked_for(week):
    d = compute(week, "support-triage", end=END, weeks=2)
    assert [w.missions for w in d.weeks] == [1, 10]
    with pytest.raises(BadRequest, match="2 to 52 weeks"):
        compute(week, "support-triage", end=END, weeks=1)
