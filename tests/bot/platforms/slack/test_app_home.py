"""The App Home tab: pending decisions within Slack's 100-block view limit, accepted by a strict mock API."""

from __future__ import annotations

from bot.platforms.slack.app_home import home_view
from tests.bot.core.card_factories import card, client
from tests.support.mock_slack_api import MockSlackApi


def test_home_view_with_80_pending_cards_stays_within_100_blocks(mock_slack_api: MockSlackApi) -> None:
    cards = [
        card(id=f"P{i:04d}", args={"amount": i, "note": "n" * 3000}, rationale="r" * 3000) for i in range(80)
    ]
    view = home_view(cards)

    assert view["type"] == "home" and len(view["blocks"]) <= 100
    shown = [b["elements"][0]["value"] for b in view["blocks"] if b["type"] == "actions"]
    assert shown == [f"P{i:04d}#v0" for i in range(len(shown))]  # oldest first, with the args' version
    assert "and 48 more" in view["blocks"][-1]["elements"][0]["text"]
    answer = client(mock_slack_api.url).views_publish(user_id="U0OWNER1", view=view)
    assert answer["ok"] and len(answer["view"]["blocks"]) == len(view["blocks"])


def test_empty_home_view_is_valid(mock_slack_api: MockSlackApi) -> None:
    assert client(mock_slack_api.url).views_publish(user_id="U0OWNER1", view=home_view([]))["ok"]


def test_a_home_card_names_the_state_and_action_not_the_tool_title() -> None:
    text = home_view([card()])["blocks"][-2]["text"]["text"]
    assert "*Support Triage* · Approval needed · Issue a service credit to an account." in text
    assert "Account ID: ACME-7 · Amount: $120" in text
