"""`missionbot serve` stops gracefully on SIGTERM: it stops accepting connections, finishes the request in
flight and the work it started after its ack (the reply to Slack, the mission's launch), then exits 0.

A real `serve` process on the test's Redis, a signed Events API request, and the mock Slack Web API
holding bolt's auth.test (the request is in flight) and then the post-ack reply, while the test sees
new connections refused."""

from __future__ import annotations

import json
import signal
import socket
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from bot.core.queueing import mission_job_id
from tests.handlers.slack.harness import SECRET, SlackHarness
from tests.support.fleet import wait_for
from tests.support.slack_signing import sign


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


def test_sigterm_finishes_the_work_after_the_ack_refuses_new_connections_and_exits_0(
    rt, fleet, mock_slack_api, tmp_path
):
    from tests.bot.commands.test_serve_handling import start_serve

    serve, port = start_serve(fleet, mock_slack_api, tmp_path, child=False)
    body = SlackHarness(client=None, slack=None, rt=rt, api=mock_slack_api).mention("ESC-1042")
    raw = json.dumps(body).encode()
    # Bolt asks Slack who it is (auth.test) on its first request, before the listener: held, the request is
    # in flight when SIGTERM arrives. The "queued" reply is posted after the ack: held, it is post-ack work.
    who = mock_slack_api.hold_next("auth.test")
    reply = mock_slack_api.hold_next("chat.postMessage")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=raw,
        headers={"Content-Type": "application/json", **sign(SECRET, raw)},
    )
    with ThreadPoolExecutor(1) as pool:
        try:
            answered = pool.submit(lambda: urllib.request.urlopen(request, timeout=120).status)
            assert who.arrived.wait(60), "the request never reached bolt"
            serve.send_signal(signal.SIGTERM)
            wait_for(lambda: refused(port), timeout=60, what="new connections refused")
            who.release.set()
            assert answered.result(timeout=60) == 200  # the request in flight was answered (acked)
            assert reply.arrived.wait(60), "the post-ack reply never reached Slack"
            assert serve.poll() is None  # still finishing the reply
        finally:
            who.release.set()
            reply.release.set()
    assert serve.wait(timeout=60) == 0
    [posted] = mock_slack_api.calls_to("chat.postMessage", ok=True)
    assert posted.params["thread_ts"] == body["event"]["ts"]
    mission_id = rt.store.mission_for_thread("slack", body["event"]["channel"], body["event"]["ts"])
    mission = rt.store.mission(mission_id)
    assert mission.status_ref is not None and mission.status_ref.ts == posted.response["ts"]
    job = rt.missions_queue.fetch_job(mission_job_id(rt, mission_id))  # launched
    lines = [json.loads(line) for line in fleet.log("serve").splitlines()]
    [acked] = [line for line in lines if line["logger"] == "aiohttp.access" and "POST" in line["message"]]
    # The job carries the request's id to the worker's lines (bot/core/queueing.py, rq_worker.py).
    assert job.meta["log"] == {"mission_id": mission_id, "worker_id": "support-triage"} | {
        "request_id": acked["request_id"]
    }
    assert [line["message"] for line in lines if line["logger"] == "bot.commands.serve_cmd"][-1] == "stopped"
