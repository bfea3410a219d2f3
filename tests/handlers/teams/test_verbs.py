"""`/mission <verb>` typed to the bot on Teams: the same verb table as Slack and the shell (delegate names
a colleague by @mention, read from the activity's mention entity)."""

from __future__ import annotations

from datetime import date, timedelta

from bot.missions import delegation
from tests.handlers.teams.test_routes import post
from tests.support.teams_harness import personal, teams_app, teams_runtime


def said(connector) -> str:
    return connector.posts()[-1].body["text"]


async def test_delegate_delegations_and_a_refusal_on_teams(rt, teams_connector):
    rt = teams_runtime(rt, teams_connector)
    app = teams_app(rt, allow_anonymous=True)
    until = date.today() + timedelta(days=10)
    raw = personal(
        teams_connector, f"/mission delegate <at>Bob</at> until {until}", user="29:1olivia", aad=None
    )
    raw["entities"] = [
        {"type": "mention", "mentioned": {"id": "29:1bob", "name": "Bob"}, "text": "<at>Bob</at>"}
    ]
    status, _ = await post(app, raw)
    assert status == 201 and said(teams_connector).startswith("@29:1bob may decide your approvals")
    assert delegation.delegators_of(rt, "29:1bob")[0].delegator == "29:1olivia"

    status, _ = await post(app, personal(teams_connector, "/mission delegations", user="29:1bob", aad=None))
    assert "You decide on behalf of @29:1olivia" in said(teams_connector)

    await post(
        app, personal(teams_connector, "/mission delegate 29:1carol until 1999-01-01", user="29:1x", aad=None)
    )
    assert said(teams_connector) == "✋ 1999-01-01 has passed."
    await post(app, personal(teams_connector, "/mission frobnicate", user="29:1x", aad=None))
    assert said(teams_connector).startswith("I don't know `/mission frobnicate`")
