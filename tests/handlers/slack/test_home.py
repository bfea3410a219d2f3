"""App Home lists what this approver may decide, with the same buttons."""

from __future__ import annotations

from bot.platforms.slack.blockkit import ACTION_APPROVE
from tests.handlers.slack.test_actions import parked


async def test_home_shows_the_approvers_pending_decisions(slack, run_jobs):
    pid, _ = await parked(slack, run_jobs)
    for user in ("U0OWNER1", "U0RANDOM"):
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": "1700000000.000100",
        }
        await slack.send_event(slack.event_body(event))
    await slack.settle()
    views = {c.params["user_id"]: c.params["view"] for c in slack.api.calls_to("views.publish", ok=True)}
    approve = [
        e
        for b in views["U0OWNER1"]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ACTION_APPROVE
    ]
    assert [e["value"] for e in approve] == [pid]
    assert pid not in str(views["U0RANDOM"])
