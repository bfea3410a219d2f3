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
    assert [e["value"] for e in approve] == [f"{pid}#v0"]
    assert pid not in str(views["U0RANDOM"])


async def test_an_owner_sees_their_workers_figures_and_the_last_chart(slack, run_jobs):
    from bot.missions.digest.home import remember_chart  # noqa: PLC0415

    await parked(slack, run_jobs)
    remember_chart(slack.rt, "support-triage", "slack", "F00000042")  # as the weekly digest's upload did
    for user in ("U0MANAGER", "U0OWNER1"):
        event = {"type": "app_home_opened", "user": user, "tab": "home", "event_ts": "1700000000.000200"}
        await slack.send_event(slack.event_body(event))
    await slack.settle()
    views = {c.params["user_id"]: c.params["view"] for c in slack.api.calls_to("views.publish", ok=True)}
    blocks = views["U0MANAGER"]["blocks"]
    headers = [b["text"]["text"] for b in blocks if b["type"] == "header"]
    owned = sorted(w.display_name for w in slack.rt.workers.values() if w.owner == "U0MANAGER")
    assert headers == [f"{name} (you own it)" for name in owned] + ["Your pending decisions"]
    at = headers.index("Support Triage (you own it)") * 3  # header, figures, chart (or a note) per worker
    manager = blocks[at:]
    figures = manager[1]["text"]["text"]
    assert figures.startswith("This week: 1 missions, acceptance n/a")
    assert (
        "Error budget: ok, 0 of 0 decisions rejected" in figures and "Missions trend: ▁▁▁▁▁▁▁█ 1" in figures
    )
    assert manager[2]["slack_file"] == {"id": "F00000042"}
    assert manager[2]["alt_text"].startswith("Chart of Support Triage over the last 8 weeks")
    assert "you own it" not in str(views["U0OWNER1"])  # an approver keeps their pending list only
