"""Block Kit approval cards: content, escaping, and acceptance by a Slack-strict mock API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.core.cards import card_for
from bot.platforms.slack.blockkit import (
    ACTION_APPROVE,
    ACTION_REJECT,
    card_blocks,
    escape,
    mention,
    split_text,
)
from tests.bot.core.card_factories import DECIDED, card, client, proposal, support_triage
from tests.support.mock_slack_api import MockSlackApi

HOSTILE = "<!channel> ping <@U123> and <https://evil.example|click here> & more"


def _texts(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def _of_type(blocks: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [b for b in blocks if b["type"] == kind]


def _post(api: MockSlackApi, blocks: list[dict[str, Any]]) -> dict[str, Any]:
    client(api.url).chat_postMessage(channel="C0APPROVALS", text="card", blocks=blocks)
    assert api.calls_to("chat.postMessage", ok=False) == []
    return api.messages("C0APPROVALS")[-1]


def test_execute_card_shows_normalized_args_tier_rule_rationale_and_confirmed_buttons(
    mock_slack_api: MockSlackApi,
) -> None:
    blocks = card_blocks(card())

    # The state, then what will happen in plain words (and the tool's name), the worker's name once.
    assert blocks[0]["text"]["text"] == (
        "*Approval needed*\nIssue a service credit to an account. (`helpdesk.issue_credit`)"
    )
    assert blocks[1]["elements"][0]["text"] == "*Support Triage* · asked by <@U0REQUESTER> · mission `M0001`"
    assert _texts(blocks).count("Support Triage") == 1
    fields = [f["text"] for b in blocks if "fields" in b for f in b["fields"]]
    assert fields == ["*Account ID*\nACME-7", "*Amount*\n$120", "*Reason*\nESC-1234: duplicate charge"]
    text = _texts(blocks)
    assert "An approver must say yes before this runs (it acts for real)." in text
    assert "`execute`" not in text and "needs an approver" not in text  # no jargon
    assert "Duplicate charge. Requested 120 against a gold-tier cap of 200." in text
    (actions,) = _of_type(blocks, "actions")
    approve, reject = actions["elements"]
    assert (approve["action_id"], approve["value"]) == (ACTION_APPROVE, "P0001#v0")
    assert (
        approve["confirm"]["confirm"]["text"]
        and "helpdesk.issue_credit" in approve["confirm"]["text"]["text"]
    )
    assert (reject["action_id"], reject["value"]) == (ACTION_REJECT, "P0001") and "confirm" not in reject

    stored = _post(mock_slack_api, blocks)
    assert stored["blocks"] == blocks


def test_write_tier_and_shadow_cards_have_no_confirm() -> None:
    for rendered in (card(tier="write"), card(shadow=True)):
        (actions,) = _of_type(card_blocks(rendered), "actions")
        assert "confirm" not in actions["elements"][0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"status": "executed", "decided_by": "U0OWNER1", "decided_on": "slack"},
            "✅ Approved by <@U0OWNER1> at <!date^{ts}^{{date_short_pretty}} at {{time}}|"
            "May 6, 2024, 11:41 AM CEST> on Slack · executed",
        ),
        (
            {
                "status": "rejected",
                "decided_by": "U0OWNER2",
                "decided_on": "teams",
                "reason_code": "wrong_amount",
                "comment": "policy cap is <50>",
            },
            "✋ Rejected by <@U0OWNER2> at <!date^{ts}^{{date_short_pretty}} at {{time}}|"
            "May 6, 2024, 11:41 AM CEST> on Teams (reason: wrong amount: policy cap is &lt;50&gt;)",
        ),
        (
            {"status": "executing", "decided_by": "auto", "rule": "auto_approve amount lte 50"},
            "✅ Auto-approved by rule auto_approve amount lte 50 "
            "at <!date^{ts}^{{date_short_pretty}} at {{time}}|May 6, 2024, 11:41 AM CEST> · executing",
        ),
        ({"status": "expired", "decided_at": None}, "⌛ Expired, no decision"),
        ({"status": "halted", "decided_at": None}, "🛑 Halted: the kill switch is pulled"),
        (
            {"status": "halted", "decided_at": None, "halted_by": "U0MANAGER"},
            "🛑 Halted by <@U0MANAGER>: the kill switch is pulled; nothing was run",
        ),
    ],
)
def test_decided_card_has_no_buttons_and_says_who_when_where_why(
    mock_slack_api: MockSlackApi, change: dict[str, Any], expected: str
) -> None:
    decided = card(**{"decided_at": DECIDED, **change})
    blocks = card_blocks(decided)

    # No decision buttons; only an executed action whose tool declares `undo:` gets the Undo button.
    assert [b["block_id"] for b in _of_type(blocks, "actions")] == (
        [f"mb_undo:{decided.proposal_id}"] if decided.undo_tool else []
    )
    decision = blocks[blocks.index(_of_type(blocks, "section")[-1]) + 1]  # the line right after "Why"
    assert decision["elements"][0]["text"] == expected.format(ts=int(DECIDED.timestamp()))
    _post(mock_slack_api, blocks)


def test_huge_arguments_and_rationale_are_truncated_with_a_note_and_accepted(
    mock_slack_api: MockSlackApi,
) -> None:
    # Worst cases for size: "<" quadruples when escaped, '"' and newlines double in JSON.
    args = {f"arg{i}": ('<"\n' * 20_000) if i % 2 else "x" * 50_000 for i in range(25)}
    blocks = card_blocks(card(args=args, rationale="why? " * 30_000 + "<" * 5000))

    fields = [f["text"] for b in blocks if "fields" in b for f in b["fields"]]
    assert len(fields) == 20 and all(len(f) <= 2000 for f in fields)
    assert all("(truncated: " in f for f in fields)
    assert "…and 5 more arguments not shown." in _texts(blocks)
    assert "(truncated: " in _of_type(blocks, "section")[-1]["text"]["text"]
    stored = _post(mock_slack_api, blocks)
    assert len(stored["blocks"]) == len(blocks)


def test_tool_and_model_text_is_escaped_so_mentions_and_links_are_inert(mock_slack_api: MockSlackApi) -> None:
    blocks = card_blocks(card(args={"note": HOSTILE, HOSTILE: "key too"}, rationale=HOSTILE, rule=HOSTILE))

    stored = _texts(_post(mock_slack_api, blocks)["blocks"])
    assert (
        "&lt;!channel&gt; ping &lt;@U123&gt; and &lt;https://evil.example|click here&gt; &amp; more" in stored
    )
    for live in ("<!channel>", "<@U123>", "<https://evil"):
        assert live not in stored


def test_escape_and_mention() -> None:
    assert escape("a & <b> <!here>") == "a &amp; &lt;b&gt; &lt;!here&gt;"
    assert mention("U0OWNER1") == "<@U0OWNER1>"
    assert mention("<!channel>") == "&lt;!channel&gt;"  # not a user id: stays inert text


def test_split_text_keeps_chunks_within_limit_on_boundaries_without_cutting_entities() -> None:
    lines = [f"line {i}: " + "word " * (i % 40) for i in range(400)]
    chunks = split_text("\n".join(lines), limit=500)
    assert len(chunks) > 1 and all(len(c) <= 500 for c in chunks)
    assert "\n".join(chunks).split("\n") == [line for line in lines]

    hard = split_text(escape("<" * 1000), limit=301)
    assert all(len(c) <= 301 for c in hard) and all(c.count("&lt;") * 4 == len(c) for c in hard)
    assert "".join(hard) == "&lt;" * 1000


def test_thread_link_is_in_the_context() -> None:
    rendered = card_for(proposal(), support_triage(), thread_link="https://example.slack.com/archives/C1/p1")
    assert (
        "<https://example.slack.com/archives/C1/p1|open the request's thread>"
        in card_blocks(rendered)[1]["elements"][0]["text"]
    )


def test_escalation_and_undo_notes_show_under_the_status(mock_slack_api: MockSlackApi) -> None:
    rendered = card(
        status="executed",
        decided_by="U0OWNER1",
        decided_at=DECIDED,
        decided_on="slack",
        escalation_note="No answer in 30 min: re-routed to @U0LEAD <!here>",
    )
    assert rendered.undo_tool == "helpdesk.reverse_credit"

    notes = _of_type(card_blocks(rendered), "context")[-1]["elements"]
    assert card_blocks(rendered)[-1]["elements"][0]["action_id"] == "mb_undo"  # the button after the notes
    assert notes[0]["text"] == "No answer in 30 min: re-routed to <@U0LEAD> &lt;!here&gt;"
    assert notes[1]["text"].startswith("↩️ Can be undone with `helpdesk.reverse_credit` until <!date^")
    _post(mock_slack_api, card_blocks(rendered))
