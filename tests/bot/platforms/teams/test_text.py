"""The core's neutral text on Teams: people by name, line breaks kept, no other platform's markup."""

from __future__ import annotations

from bot.platforms.teams.adaptive import buttons_for_everyone
from bot.platforms.teams.text import teams_text
from tests.bot.core.card_factories import card

NAMES = {"U0OWNER1": "Ada Owner", "29:megan": "Megan Bowen"}


def who(user: str) -> str:
    return NAMES.get(user, user)


def test_people_show_by_name_and_unknown_ids_stay_as_they_are():
    assert teams_text("awaiting approval by @U0OWNER1, @29:megan", who) == (
        "awaiting approval by Ada Owner, Megan Bowen"
    )
    assert teams_text("ask @U0UNKNOWN or mail a@example.com", who) == "ask @U0UNKNOWN or mail a@example.com"


def test_each_line_of_a_verdict_stays_a_line():
    verdict = "✋ Verdict for mission M-1: Rejected.\n✋ x was rejected by @U0OWNER1 (wrong amount)"
    assert teams_text(verdict, who) == (
        "✋ Verdict for mission M-1: Rejected.\n\n✋ x was rejected by Ada Owner (wrong amount)"
    )
    assert "*" not in teams_text(verdict, who)


def test_buttons_for_everyone_unless_user_specific_views_reach_the_approvers():
    open_card = card()  # approvers: U0OWNER1, U0OWNER2 and a backup
    assert buttons_for_everyone(open_card, [], setting="everyone")
    assert buttons_for_everyone(open_card, ["29:a"], setting="everyone")
    assert buttons_for_everyone(open_card, [], setting="approvers")  # nobody has met the bot: buttons
    assert not buttons_for_everyone(open_card, ["29:a"], setting="approvers")
    many = open_card.model_copy(update={"approvers": [f"29:{i}" for i in range(61)]})
    assert buttons_for_everyone(many, ["29:0"], setting="approvers")  # over Teams' 60 refresh users
