"""Failed Bot Framework connector calls are counted by status class (each attempt, retried or not)."""

from __future__ import annotations

from bot.core import metrics
from bot.platforms.server import ACKED
from bot.platforms.teams.routes import PATH
from tests.bot.platforms.teams.test_messenger import recording_messenger
from tests.support.scrape import parse, value
from tests.support.teams_harness import APPROVALS


def errors(status: str) -> float:
    samples = parse(metrics.exposition().decode())
    return value(samples, "missionbot_platform_api_errors_total", platform="teams", status=status)


def test_teams_429s_and_5xx_are_counted_per_attempt(rt, teams_connector):
    teams, _ = recording_messenger(rt, teams_connector)
    before = errors("429"), errors("5xx")
    teams_connector.fail_next(429, headers={"Retry-After": "1"})
    teams_connector.fail_next(502)
    assert teams.post(conversation=APPROVALS, thread=None, text="x").ts
    assert (errors("429"), errors("5xx")) == (before[0] + 1, before[1] + 1)


def test_the_teams_endpoint_is_timed_as_an_ack():
    assert ACKED[PATH] == "teams"
