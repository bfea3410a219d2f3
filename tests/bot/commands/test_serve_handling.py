"""`missionbot serve`'s handling process (bot/commands/serve_handling.py): serve only acks, its child handles
the inbox. Real processes, real signals: whatever is acked is handled once, whichever of the two dies.

Each test runs a real `serve` (default: process handling) on the test's Redis against the mock Slack Web
API, fires signed mentions, and counts what Slack received: one mission and one "queued" reply per mention.
The handling is frozen at a known point by holding a `chat.postMessage` in the mock (no timed sleeps)."""

from __future__ import annotations

import json
import os
import signal
import urllib.error
import urllib.request
from collections import Counter

from tests.bot.commands.test_serve_sigterm import answers
from tests.handlers.slack.harness import SECRET, TOKEN, SlackHarness
from tests.support import crashkit
from tests.support.fleet import free_port, wait_for
from tests.support.slack_signing import sign

MENTIONS = 12


def mention(port: int, body: dict, *, retry: int = 0) -> int:
    raw = json.dumps(body).encode()
    again = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"} if retry else {}
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=raw,
        headers={"Content-Type": "application/json", **sign(SECRET, raw), **again},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        return answer.status


def delivered(send, port: int, body: dict, *, attempts: int = 3) -> int:
    """As Slack delivers an event: again on a 500, marked as a retry; the attempts it took."""
    for attempt in range(1, attempts + 1):
        try:
            assert send(port, body, retry=attempt - 1) == 200
            return attempt
        except urllib.error.HTTPError as err:
            if err.code != 500 or attempt == attempts:
                raise
    raise AssertionError("unreachable")


def start_serve(fleet, mock_slack_api, tmp_path, *, child: bool = True, **env: str):
    """A real `serve` with Slack on the mock Web API, up (and its handling process reading, with `child`)."""
    port = free_port()
    serve = fleet.start(
        "serve",
        "serve",
        "--port",
        str(port),
        config_dir=crashkit.configs(tmp_path, builtin=True),
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_API_URL=mock_slack_api.url,
        MISSIONBOT_LOG_FORMAT="json",
        **env,
    )
    wait_for(lambda: answers(port), timeout=120, what="serve up", alive=lambda: serve.poll() is None)
    if child:
        wait_for(
            lambda: "handling process ready" in fleet.log("serve"), timeout=120, what="its handling process"
        )
    return serve, port


def child_of(pid: int) -> int:
    [child] = crashkit.descendants(pid)
    return child


def inbox_backlog(rt) -> int:
    return int(rt.redis.xlen(rt.store.key("inbox"))) if rt.redis.exists(rt.store.key("inbox")) else 0


def fire_while_held(rt, port: int, mock_slack_api) -> tuple[list[dict], object]:
    """MENTIONS acked while the child is stuck posting the first reply: one entry in hand, the rest
    unread or read behind it."""
    hold = mock_slack_api.hold_next("chat.postMessage")
    harness = SlackHarness(client=None, slack=None, rt=rt, api=mock_slack_api)
    bodies = [harness.mention(f"ESC-1042 please ({n})") for n in range(MENTIONS)]
    assert [mention(port, body) for body in bodies] == [200] * MENTIONS  # acked, all of them
    assert hold.arrived.wait(60), "the handling never posted"
    return bodies, hold


def assert_each_handled_once(rt, mock_slack_api, bodies: list[dict]) -> None:
    threads = [body["event"]["ts"] for body in bodies]
    missions = [rt.store.mission_for_thread("slack", "C0SUPPORT", ts) for ts in threads]
    assert None not in missions and len(set(missions)) == MENTIONS
    assert len(rt.store.missions_of("support-triage")) == MENTIONS  # no mission made twice
    replies = Counter(c.params.get("thread_ts") for c in mock_slack_api.calls_to("chat.postMessage", ok=True))
    assert {ts: replies[ts] for ts in threads} == dict.fromkeys(threads, 1)  # one "queued" reply each
    for mission_id in missions:
        assert rt.store.mission(mission_id).status_ref is not None  # launched with its reply attached


def test_a_handling_process_killed_mid_flight_is_restarted_and_loses_nothing_nor_repeats_it(
    rt, fleet, mock_slack_api, tmp_path
):
    serve, port = start_serve(fleet, mock_slack_api, tmp_path)
    child = child_of(serve.pid)
    bodies, hold = fire_while_held(rt, port, mock_slack_api)
    # Frozen mid-handling: the held post dies with the process (Slack never took it), then SIGKILL.
    os.kill(child, signal.SIGSTOP)
    mock_slack_api.fail_next("chat.postMessage", status=500, retry_after=None)
    hold.release.set()
    wait_for(
        lambda: mock_slack_api.calls_to("chat.postMessage", ok=False), timeout=60, what="the held post failed"
    )
    os.kill(child, signal.SIGKILL)
    wait_for(lambda: crashkit.descendants(serve.pid) not in ([], [child]), timeout=120, what="a new child")
    wait_for(lambda: inbox_backlog(rt) == 0, timeout=120, what="every entry handled")
    assert_each_handled_once(rt, mock_slack_api, bodies)
    log = fleet.log("serve")
    assert f"handling process {child} exited (-9); starting another" in log
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        assert "missionbot_serve_handler_restarts_total 1.0" in answer.read().decode()
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=60) == 0


def test_serve_killed_leaves_its_child_to_handle_what_was_acked_then_exit_0(
    rt, fleet, mock_slack_api, tmp_path
):
    serve, port = start_serve(fleet, mock_slack_api, tmp_path)
    child = child_of(serve.pid)
    bodies, hold = fire_while_held(rt, port, mock_slack_api)
    os.kill(serve.pid, signal.SIGKILL)  # the parent alone: its child sees its stdin close
    serve.wait()
    hold.release.set()
    wait_for(
        lambda: not os.path.exists(f"/proc/{child}") or _zombie(child), timeout=120, what="the child exits"
    )
    assert inbox_backlog(rt) == 0
    assert_each_handled_once(rt, mock_slack_api, bodies)
    assert "handling process: handled" in fleet.log("serve")


def _zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_sigterm_drains_what_the_child_has_not_read_and_both_exit_0(rt, fleet, mock_slack_api, tmp_path):
    serve, port = start_serve(fleet, mock_slack_api, tmp_path)
    child = child_of(serve.pid)
    bodies, hold = fire_while_held(rt, port, mock_slack_api)
    serve.send_signal(signal.SIGTERM)
    wait_for(lambda: "stopping: no new connections" in fleet.log("serve"), timeout=60, what="serve stopping")
    assert serve.poll() is None  # waiting for its child to finish
    hold.release.set()
    assert serve.wait(timeout=120) == 0
    assert f"handling process {child} stopped (0)" in fleet.log("serve")
    assert inbox_backlog(rt) == 0
    assert_each_handled_once(rt, mock_slack_api, bodies)


def test_in_process_handling_is_still_one_setting_away(rt, fleet, mock_slack_api, tmp_path):
    serve, port = start_serve(
        fleet, mock_slack_api, tmp_path, child=False, MISSIONBOT_SERVE_HANDLING="inline"
    )
    assert crashkit.descendants(serve.pid) == []  # no handling process
    body = SlackHarness(client=None, slack=None, rt=rt, api=mock_slack_api).mention("ESC-1042 please")
    assert mention(port, body) == 200
    wait_for(lambda: mock_slack_api.calls_to("chat.postMessage", ok=True), timeout=60, what="the reply")
    assert rt.store.mission_for_thread("slack", "C0SUPPORT", body["event"]["ts"]) is not None
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=60) == 0
