"""Hostile input against a running `missionbot serve`: N correctly signed but malformed requests to
`POST /slack/events` and N malformed Bot Framework activities to `POST /api/messages` (Teams in local
development mode, so every request reaches the checks behind authentication). Prints the answers by status,
every 5xx, every request after which the deployment's Redis keys changed, and every request that reached a
host the bot is not configured for.

The bodies come from the fuzz tests' Hypothesis strategies (tests/handlers/hostile.py): garbage, truncated,
not UTF-8, deeply nested, not an object, real payloads with a field missing or of the wrong type, activities
whose serviceUrl points elsewhere. Needs a Redis (REDIS_URL, else 127.0.0.1:6379); `serve` runs as a child
process under a fresh key prefix, removed afterwards.

    .venv/bin/python -m benchmarks.fuzz_endpoints [--requests 2000] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections import Counter
from pathlib import Path

import requests
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import NonInteractiveExampleWarning
from redis import Redis

from tests.handlers.hostile import snapshot
from tests.handlers.slack.test_fuzz import malformed_requests as slack_requests
from tests.handlers.teams.test_fuzz import Elsewhere
from tests.handlers.teams.test_fuzz import malformed_requests as teams_requests
from tests.support.mock_slack_api import MockSlackApi
from tests.support.redis_server import cleanup
from tests.support.slack_signing import sign
from tests.support.teams_connector import LocalConnector

ROOT = Path(__file__).resolve().parents[1]
SECRET = "fuzz-signing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(*, redis_url: str, prefix: str, slack_api: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "MISSIONBOT_KEY_PREFIX": prefix,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_BOT_TOKEN": "xoxb-fuzz",
        "SLACK_API_URL": slack_api,
        "MISSIONBOT_CONFIG_DIR": str(ROOT / "worker_configs"),
    }
    env.pop("MICROSOFT_APP_ID", None)
    # serve logs every refusal: to a file, since an unread pipe fills up and blocks it mid-run
    log = Path(tempfile.mkstemp(prefix="fuzz-serve-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--teams-dev-anonymous"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    print(f"serve logs to {log}", file=sys.stderr)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except requests.ConnectionError:
            if process.poll() is not None:
                raise SystemExit(f"serve exited: {log.read_text()[-2000:]}") from None
            time.sleep(0.2)
    process.kill()
    raise SystemExit("serve did not answer within 60 s")


def handling_started(redis: Redis, prefix: str, *, timeout: float = 60) -> None:
    """Wait for serve's handling process to read the inbox: its first read creates the inbox stream, a
    write of its start-up (after /healthz answers) that would otherwise count against the first request."""
    deadline = time.monotonic() + timeout
    while not redis.exists(f"{prefix}:inbox"):
        if time.monotonic() > deadline:
            raise SystemExit(f"serve's handling process did not read its inbox within {timeout:.0f} s")
        time.sleep(0.1)


class Tally:
    def __init__(self, name: str, redis: Redis, prefix: str) -> None:
        self.name, self.redis, self.prefix = name, redis, prefix
        self.statuses: Counter[int] = Counter()
        self.errors: list[tuple[int, bytes]] = []
        self.changes: list[bytes] = []
        self.accepted: list[tuple[int, bytes, bytes]] = []
        self.before = snapshot(redis, prefix)

    def record(self, status: int, body: bytes, answer: bytes = b"") -> None:
        self.statuses[status] += 1
        if status >= 500:
            self.errors.append((status, body[:200]))
        elif status < 400 and answer:  # only Slack's (and Teams') empty 2xx is expected
            self.accepted.append((status, answer[:200], body[:200]))
        after = snapshot(self.redis, self.prefix)
        if after != self.before:
            self.changes.append(body[:200])
            self.before = after

    def figures(self) -> dict[str, object]:
        return {
            "requests": sum(self.statuses.values()),
            "answers": {str(k): v for k, v in sorted(self.statuses.items())},
            "5xx": len(self.errors),
            "2xx_with_a_body": len(self.accepted),
            "requests_that_changed_redis": len(self.changes),
        }

    def report(self) -> None:
        total = sum(self.statuses.values())
        print(
            f"{self.name}: {total} malformed requests; answers {dict(sorted(self.statuses.items()))}; "
            f"5xx: {len(self.errors)}; 2xx with a body: {len(self.accepted)}; requests that changed Redis: "
            f"{len(self.changes)}"
        )
        for status, body in self.errors[:10]:
            print(f"  {status} for {body!r}")
        for status, answer, body in self.accepted[:10]:
            print(f"  {status} {answer!r} for {body!r}")
        for body in self.changes[:10]:
            print(f"  state changed after {body!r}")


def fuzz(strategy: st.SearchStrategy, count: int, send) -> None:  # send(example)
    """`count` examples in rounds of at most 500, each with its own seed: one long Hypothesis run slows down
    as it hunts for examples it has not tried yet."""
    sent = 0
    for round_ in itertools.count():
        if sent >= count:
            return
        size = min(500, count - sent)

        @seed(round_)
        @settings(max_examples=size, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(example=strategy)
        def run(example) -> None:
            send(example)

        run()
        sent += size
        print(f"  ... {sent} sent", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # Quick default (about 20 s); the README's figures come from --requests 10000.
    parser.add_argument("--requests", type=int, default=2_000, help="in all, half to each endpoint")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object (the report goes to stderr)"
    )
    args = parser.parse_args()
    if not os.environ.get("MISSIONBOT_AUDIT_KEY"):  # the runtime (and any process it starts) needs one
        os.environ["MISSIONBOT_AUDIT_KEY"] = secrets.token_hex(32)
        print("fuzz_endpoints: using a throwaway audit key for this run", file=sys.stderr)
    with contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext():
        figures = run(args)
    if args.json:
        print(json.dumps(figures))


def run(args: argparse.Namespace) -> dict[str, object]:
    warnings.simplefilter("ignore", NonInteractiveExampleWarning)
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    redis, prefix, port = Redis.from_url(redis_url), f"mbfuzz{uuid.uuid4().hex[:8]}", free_port()
    api, connector, elsewhere = MockSlackApi(), LocalConnector().start(), Elsewhere()
    api.start()
    serve = start_serve(redis_url=redis_url, prefix=prefix, slack_api=api.url, port=port)
    base = f"http://127.0.0.1:{port}"
    http = requests.Session()
    try:
        handling_started(redis, prefix)
        slack = Tally("POST /slack/events", redis, prefix)

        def to_slack(example: tuple[bytes, str]) -> None:
            body, content_type = example
            answer = http.post(
                f"{base}/slack/events",
                data=body,
                headers={"Content-Type": content_type, **sign(SECRET, body)},
            )
            slack.record(answer.status_code, body, answer.content)

        started = time.monotonic()
        fuzz(slack_requests(), args.requests // 2, to_slack)
        teams = Tally("POST /api/messages", redis, prefix)

        def to_teams(example: tuple[bytes, str]) -> None:
            body, content_type = example
            answer = http.post(f"{base}/api/messages", data=body, headers={"Content-Type": content_type})
            teams.record(answer.status_code, body, answer.content)

        content_types = st.sampled_from(["application/json", "application/json", "text/plain"])
        fuzz(
            st.tuples(teams_requests(connector, elsewhere), content_types),
            args.requests - args.requests // 2,
            to_teams,
        )
        elapsed = time.monotonic() - started
        slack.report()
        teams.report()
        posted = [c for c in api.calls if c.method != "auth.test"]
        print(
            f"outbound: Slack Web API calls other than auth.test {len(posted)}, "
            f"Teams connector calls {len(connector.calls)}, "
            f"requests to the unconfigured host {len(elsewhere.hits)}"
        )
        print(f"{args.requests} requests in {elapsed:.0f} s; serve still running: {serve.poll() is None}")
        return {
            "benchmark": "fuzz_endpoints",
            "requests": args.requests,
            "seconds": elapsed,
            "slack_events": slack.figures(),
            "teams_messages": teams.figures(),
            "outbound_slack_calls_besides_auth_test": len(posted),
            "teams_connector_calls": len(connector.calls),
            "requests_to_unconfigured_host": len(elsewhere.hits),
            "serve_still_running": serve.poll() is None,
            "goal": "no 5xx, no Redis change, no outbound call",
        }
    finally:
        serve.terminate()
        serve.wait(10)
        api.stop()
        connector.stop()
        elsewhere.stop()
        cleanup(redis, prefix)


if __name__ == "__main__":
    main()
