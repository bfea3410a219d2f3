"""A batch racing single decisions on the same cards: every card is decided once, and the batch reports
the ones decided elsewhere instead of deciding them again."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bot.core.errors import AlreadyDecided
from bot.core.models import Request
from bot.missions import batch, decisions
from bot.missions.service import MissionService
from tests.guarantees.test_exactly_once import credits
from tests.support.approvals import reconfigure

CARDS = 20


def test_a_batch_and_single_decisions_race_and_each_card_is_decided_once(rt, run_jobs):
    # 20 credits to one account: each moves the preview guard of the next, which would be asked again
    # (tests/bot/missions/test_preview.py); this test is about the decision race alone.
    reconfigure(rt, tool={"preview": None})
    service = MissionService(rt)
    missions = [
        service.submit(
            Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text=f"ESC-1042 #{i}")
        ).mission.id
        for i in range(CARDS)
    ]
    run_jobs()
    pids = [rt.store.mission(m).proposals[0] for m in missions]

    def single(pid: str) -> str:
        try:
            return decisions.decide(rt, pid, actor="U0OWNER2", approve=True, platform="slack").status
        except AlreadyDecided:
            return "lost"

    with ThreadPoolExecutor(max_workers=8) as pool:
        batched = pool.submit(
            batch.decide_batch, rt, pids, actor="U0OWNER1", approve=True, platform="console"
        )
        singles = list(pool.map(single, pids))
    outcomes = batched.result()
    won_by_batch = {o.proposal for o in outcomes if o.status == "approved"}
    won_singly = {pid for pid, s in zip(pids, singles, strict=True) if s == "approved"}
    assert won_by_batch | won_singly == set(pids) and not won_by_batch & won_singly
    assert all(o.refused for o in outcomes if o.proposal in won_singly)  # reported, not re-decided
    decided = [e for e in rt.audit.events() if e["kind"] == "decision.approved"]
    assert sorted(e["proposal"] for e in decided) == sorted(pids)
    run_jobs()
    assert len(credits(rt)) == CARDS
