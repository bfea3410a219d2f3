"""Where Teams cards go (never to a Slack channel id), backup approvers' 1:1s on re-route, and the
connector's retry rules (Retry-After on 429, 412 on a concurrent update)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from msrest.exceptions import HttpOperationError

from bot.missions.escalation import Escalator
from bot.missions.service import MissionService
from bot.platforms.teams.messenger import TeamsMessenger
from bot.platforms.teams.retry import retry_after
from tests.bot.core.card_factories import card
from tests.bot.platforms.teams.test_endpoint import seed_reference
from tests.handlers.teams.test_routes import parked_proposal, post
from tests.support.clock import Clock
from tests.support.teams_harness import APPROVALS, OWNER, TENANT, personal, teams_app, teams_runtime

THREAD = (
    "/v3/conversations/19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.skype;messageid=1481567603816/activities"
)


async def test_a_teams_card_never_goes_to_the_slack_approvals_channel(rt, teams_connector, run_jobs):
    rt = teams_runtime(rt, teams_connector)
    assert rt.worker("support-triage").escalation.approvals_channel == "C0APPROVALS"  # a Slack channel id
    pid = await parked_proposal(rt, teams_connector, run_jobs)
    [card_post] = [p for p in teams_connector.posts() if p.body.get("attachments")]
    assert card_post.path == THREAD  # the request's own reply chain
    assert not [c for c in teams_connector.calls if "C0APPROVALS" in c.path]
    assert rt.store.proposal(pid).cards[0].conversation != "C0APPROVALS"


async def test_reroute_opens_a_1to1_with_each_known_backup_and_skips_the_unknown(
    rt, teams_connector, run_jobs
):
    clock = Clock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))  # a Monday, in working hours
    rt = teams_runtime(rt, teams_connector, clock=clock, backup=["aad-lead", "aad-never-seen"])
    app = teams_app(rt, allow_anonymous=True)
    await post(
        app, personal(teams_connector, "", user="29:lead", aad="aad-lead")
    )  # the lead wrote to the bot once
    pid = await parked_proposal(rt, teams_connector, run_jobs)

    clock.now += timedelta(minutes=61)
    steps = Escalator(rt).sweep()  # must not raise for the backup we cannot reach
    assert "rerouted" in [s.step for s in steps]
    [created] = teams_connector.created()
    assert created.body["members"] == [{"id": "29:lead"}] and created.body["isGroup"] is False
    assert created.body["channelData"] == {"tenant": {"id": TENANT}} and created.body["tenantID"] == TENANT
    dm = [p for p in teams_connector.posts() if p.path == "/v3/conversations/a:dm-29:lead/activities"]
    assert len(dm) == 1 and dm[0].body["attachments"][0]["content"]["type"] == "AdaptiveCard"
    undeliverable = [e for e in rt.audit.events() if e["kind"] == "teams.undeliverable"]
    assert [e["data"]["user"] for e in undeliverable] == ["aad-never-seen"]

    MissionService(rt).decide(pid, actor=OWNER, approve=True, platform="teams")
    run_jobs()
    # The 1:1 copy is a card like any other: updated in place through its stored reference.
    assert any(
        u.path.startswith("/v3/conversations/a:dm-29:lead/activities/") for u in teams_connector.updates()
    )


def recording_messenger(rt, connector):
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    teams = TeamsMessenger(
        store=rt.store, settings=rt.settings, attempts=3, max_retry_after=30.0, sleep=sleep
    )
    seed_reference(rt, connector)
    return teams, slept


def test_a_429_waits_what_retry_after_says_within_a_bound(rt, teams_connector):
    teams, slept = recording_messenger(rt, teams_connector)
    teams_connector.fail_next(429, headers={"Retry-After": "7"})
    teams_connector.fail_next(429, headers={"Retry-After": "3600"})  # capped: a job must not park for an hour
    assert teams.post(conversation=APPROVALS, thread=None, text="x").ts
    assert slept == [7.0, 30.0] and len(teams_connector.posts()) == 3


def test_a_412_on_a_concurrent_update_is_retried(rt, teams_connector):
    teams, slept = recording_messenger(rt, teams_connector)
    ref = teams.post(conversation=APPROVALS, thread=None, text="x", card=card())
    teams_connector.fail_next(412)
    teams.update(ref, text="y", card=card(status="rejected", decided_by="U0LEAD", reason_code="other"))
    assert [u.path.endswith(f"/activities/{ref.ts}") for u in teams_connector.updates()] == [True, True]
    assert len(slept) == 1 and slept[0] <= 8.0  # jittered backoff: no Retry-After on a 412


class _Response:
    def __init__(self, status: int, headers: dict[str, str]) -> None:
        self.status_code, self.headers, self.reason = status, headers, "error"

    def raise_for_status(self) -> None:
        pass


def _error(status: int, headers: dict[str, str]) -> HttpOperationError:
    return HttpOperationError(None, _Response(status, headers))  # type: ignore[arg-type]


def test_retry_after_reads_seconds_and_http_dates_only_on_429():
    now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert retry_after(_error(429, {"Retry-After": "2.5"})) == 2.5
    assert retry_after(_error(429, {"Retry-After": "Mon, 23 Nov 2026 10:00:12 GMT"}), now=now) == 12.0
    assert retry_after(_error(429, {"Retry-After": "soon"})) is None
    assert retry_after(_error(429, {})) is None
    assert retry_after(_error(503, {"Retry-After": "5"})) is None


async def test_a_1to1_teams_refuses_is_none_like_an_unknown_user(rt, teams_connector):
    rt = teams_runtime(rt, teams_connector)
    await post(
        teams_app(rt, allow_anonymous=True), personal(teams_connector, "", user="29:lead", aad="aad-lead")
    )
    teams = rt.messengers.get("teams")
    assert teams.direct(user="aad-stranger", text="x") is None and teams_connector.created() == []
    teams_connector.fail_next(403)
    assert teams.direct(user="aad-lead", text="x") is None and len(teams_connector.created()) == 1
    ref = teams.direct(user="29:lead", text="x")  # by MRI as well as by object id
    assert ref is not None and ref.conversation == "a:dm-29:lead" and ref.ts
