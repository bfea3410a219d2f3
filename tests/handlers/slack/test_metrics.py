"""`GET /metrics` on the real serve app: a mission from a signed Slack mention to its executed action is
counted (created, decided, executed, done, tool latency, acks), the Redis gauges are read at scrape, and a
429 from Slack's Web API is counted."""

from __future__ import annotations

from bot.platforms.slack.blockkit import ACTION_APPROVE
from bot.platforms.slack.client import web_client
from tests.handlers.slack.harness import TOKEN
from tests.support.scrape import parse, value


async def scrape(slack) -> dict:
    answer = await slack.client.get("/metrics")
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("text/plain")
    return parse(await answer.text())


async def test_a_mission_over_slack_is_counted_on_metrics(slack, run_jobs):
    before = await scrape(slack)
    body = slack.mention("ESC-1042 checkout down, please credit")
    assert (await slack.send_event(body)).status == 200
    await slack.settle()
    run_jobs()
    mission_id = slack.rt.store.mission_for_thread("slack", "C0SUPPORT", body["event"]["ts"])
    worker = slack.rt.store.mission(mission_id).worker
    [proposal_id] = slack.rt.store.mission(mission_id).proposals
    waiting = await scrape(slack)
    assert value(waiting, "missionbot_proposals_pending", worker=worker) == 1

    click = slack.click(ACTION_APPROVE, proposal_id, user="U0OWNER1")
    assert (await slack.send_interaction(click)).status == 200
    await slack.settle()
    run_jobs()
    assert slack.rt.store.mission(mission_id).status == "done"
    after = await scrape(slack)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("missionbot_missions_submitted_total", worker=worker) == 1
    assert delta("missionbot_missions_total", worker=worker, outcome="done") == 1
    assert delta("missionbot_proposals_total", worker=worker) == 1
    assert delta("missionbot_decisions_total", worker=worker, outcome="approved", reason_code="none") == 1
    assert delta("missionbot_decision_seconds_count", worker=worker) == 1
    assert delta("missionbot_executions_total", worker=worker, outcome="executed") == 1
    assert delta("missionbot_tool_call_seconds_count", tool="helpdesk.issue_credit") == 1
    assert delta("missionbot_tool_call_seconds_count", tool="helpdesk.get_ticket") >= 1
    assert delta("missionbot_ack_seconds_count", platform="slack") == 2
    assert delta("missionbot_http_requests_total", route="/slack/events", code="200") == 2
    assert delta("missionbot_http_requests_total", route="/metrics", code="200") == 2
    assert value(after, "missionbot_proposals_pending", worker=worker) == 0
    assert value(after, "missionbot_redis_up") == 1
    assert value(after, "missionbot_queue_depth", queue="missions") == 0
    assert ("missionbot_queue_oldest_job_age_seconds", frozenset({("queue", "actions")})) in after
    assert value(after, "missionbot_rq_workers", queue="missions") == 0  # run_jobs registers none


async def test_unknown_paths_share_one_label_and_slack_429s_are_counted(slack, mock_slack_api):
    before = await scrape(slack)
    assert (await slack.client.get("/no/such/path/123")).status == 404
    mock_slack_api.fail_next("chat.postMessage", 429, retry_after=1)
    web_client(token=TOKEN, api_url=mock_slack_api.url).chat_postMessage(channel="C0SUPPORT", text="hi")
    after = await scrape(slack)
    assert (
        value(after, "missionbot_http_requests_total", route="unmatched", code="404")
        - value(before, "missionbot_http_requests_total", route="unmatched", code="404")
        == 1
    )
    assert not any("no/such" in str(labels) for _, labels in after)
    key = {"platform": "slack", "status": "429"}
    assert (
        value(after, "missionbot_platform_api_errors_total", **key)
        - value(before, "missionbot_platform_api_errors_total", **key)
        == 1
    )
