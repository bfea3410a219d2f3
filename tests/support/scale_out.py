"""Many `missionbot` processes on one Redis, driven the way Slack drives them: signed Events API mentions
and Approve clicks over HTTP, spread round-robin across several `serve` processes, every outbound call
answered by the mock Web API (tests/support/mock_slack_api.py). Used by tests/soak/test_scale_out.py."""

from __future__ import annotations

import itertools
import json
import urllib.request
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml
from rq.cron import get_cron_job_history_key

from bot.core.runtime import Runtime
from bot.demo.helpdesk import HelpdeskBackend
from bot.platforms.slack.blockkit import ACTION_APPROVE
from tests.handlers.slack.harness import BOT_USER, SECRET, SlackHarness
from tests.support.crashkit import configs
from tests.support.fleet import Fleet, free_port, wait_for
from tests.support.mock_slack_api import MockSlackApi
from tests.support.slack_signing import form_body, sign


def roomy_configs(tmp: Path) -> Path:
    """support-triage with its helpdesk in-process and limits that let hundreds of missions through."""
    folder = configs(tmp, builtin=True)
    path = folder / "support-triage.yml"
    triage = yaml.safe_load(path.read_text())
    triage["limits"] = {**triage["limits"], "missions_per_hour": 100_000, "concurrency": 64}
    path.write_text(yaml.safe_dump(triage, sort_keys=False))
    return folder


def slack_env(api: MockSlackApi) -> dict[str, str]:
    """What every process needs to talk to Slack (workers post the cards, serves ack the requests)."""
    return {"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": api.url}


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return answer.status == 200
    except OSError:
        return False


@dataclass
class Serves:
    """`count` serve processes of `fleet`, Slack-configured against `api`; `post` round-robins them."""

    fleet: Fleet
    api: MockSlackApi
    count: int

    def __post_init__(self) -> None:
        self.ports = [free_port() for _ in range(self.count)]
        for i, port in enumerate(self.ports):
            self.fleet.start(f"serve{i}", "serve", "--port", str(port), **slack_env(self.api))
        for i, port in enumerate(self.ports):
            proc = self.fleet.procs[f"serve{i}"]
            wait_for(
                lambda p=port: healthy(p),
                timeout=120,
                what=f"serve{i} up",
                alive=lambda q=proc: q.poll() is None,
            )
        self._next = itertools.cycle(self.ports)
        self.harness = SlackHarness(client=None, slack=None, rt=None, api=self.api)  # type: ignore[arg-type]

    def post(self, body: bytes, content_type: str) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{next(self._next)}/slack/events",
            data=body,
            headers={"Content-Type": content_type, **sign(SECRET, body)},
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status

    def post_all(self, bodies: Iterable[tuple[bytes, str]], *, threads: int = 12) -> list[int]:
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(lambda b: self.post(*b), bodies))

    def mentions(self, texts: list[str]) -> list[dict]:
        """Send one mention per text; returns their event bodies (the thread ts names each mission)."""
        bodies = [self.harness.mention(text) for text in texts]
        statuses = self.post_all((json.dumps(b).encode(), "application/json") for b in bodies)
        assert set(statuses) == {200}, Counter(statuses)
        return bodies

    def approve(self, proposals: list[str], *, approver: str = "U0OWNER1") -> None:
        clicks = [self.harness.click(ACTION_APPROVE, p, user=approver) for p in proposals]
        statuses = self.post_all((form_body(c), "application/x-www-form-urlencoded") for c in clicks)
        assert set(statuses) <= {200}, Counter(statuses)


def missions_of(rt: Runtime, bodies: list[dict]) -> list[str | None]:
    return [rt.store.mission_for_thread("slack", b["event"]["channel"], b["event"]["ts"]) for b in bodies]


def pending(rt: Runtime, missions: list[str]) -> list[str]:
    found = []
    for mission_id in missions:
        for pid in rt.store.mission(mission_id).proposals:
            if rt.store.proposal(pid).status == "pending":
                found.append(pid)
    return found


@dataclass(kw_only=True)
class Outcome:
    missions: int
    unsettled: int
    statuses: Counter
    executed: int
    credits: int
    duplicate_posts: int
    duplicated: list[str]  # what was posted more than once (channel, thread, text, blocks)


def outcome(rt: Runtime, missions: list[str], api: MockSlackApi) -> Outcome:
    records = [rt.store.mission(m) for m in missions]
    proposals = [rt.store.proposal(p) for m in records for p in m.proposals]
    helpdesk = HelpdeskBackend(redis=rt.redis, prefix=rt.settings.key_prefix, clock=rt.clock)
    posts = Counter(  # a card's blocks name its proposal: two cards for one proposal count twice
        json.dumps([c.params.get(k) for k in ("channel", "thread_ts", "text", "blocks")], sort_keys=True)
        for c in api.calls_to("chat.postMessage", ok=True)
    )
    return Outcome(
        missions=len(records),
        unsettled=sum(m.is_open for m in records),
        statuses=Counter(m.status for m in records),
        executed=sum(p.status == "executed" for p in proposals),
        credits=len(helpdesk.credits()),
        duplicate_posts=sum(n - 1 for n in posts.values()),
        duplicated=[post[:300] for post, n in posts.items() if n > 1],
    )


def cron_enqueues(rt: Runtime, job: str) -> list[float]:
    """When the cron job `job` (its name without the prefix) was enqueued, by any scheduler (epoch s)."""
    key = get_cron_job_history_key(f"{rt.settings.key_prefix}:{job}")
    return sorted(score for _, score in rt.redis.zrange(key, 0, -1, withscores=True))


__all__ = [
    "BOT_USER",
    "Serves",
    "cron_enqueues",
    "missions_of",
    "outcome",
    "pending",
    "roomy_configs",
    "slack_env",
]
