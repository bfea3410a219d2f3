"""Defang: model and tool text can never mention, broadcast, link or mark up;
the product's own mentions can."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.core.defang import ProductText, defang, join, product, shown, trusted
from bot.core.tlds import TLDS
from bot.platforms.slack.mrkdwn import escape, link_core_mentions

ATTACKS = [
    "<!channel>",
    "<!here|here>",
    "<!subteam^S0123|@oncall>",
    "@everyone",
    "@here",
    "<@U0OWNER1>",
    "@U0OWNER1",
    "@W0ABC123",
    "<https://evil.example/pay|details>",
    "<mailto:x@evil.example|mail>",
    "https://evil.example/a",
    "http://evil.example",
    "www.evil.example/x",
    "evil-pay.com/login",
    "evil-pay.com",
    "[x](evil-pay.com/login)",
    "[x](https://evil.example)",
    "![img](evil.example/p.png)",
    "[1]: evil.example/ref",
    "<a href='evil.com'>x</a>",
    "<at>Alex</at>",
    "//evil.example/x",
    "10.0.0.1:8080/admin",
    "<#C0123|general>",
    "bob@evil-pay.com",
    "EVIL-PAY.COM/Login",
    "evil.xn--p1ai",
]
_HOST = re.compile(r"(?<![\w./\\-])(?:[A-Za-z0-9-]+\.)+([A-Za-z][A-Za-z0-9-]*)(?![\w-])")


def links_in(text: str) -> list[str]:
    """What Slack, Teams or a terminal could turn into a mention, a broadcast or a link."""
    found = re.findall(r"<[@!#]|<https?:|\]\(|\b[a-z][a-z0-9+.-]*://|\bwww\.|<a\b|<at>", text, re.IGNORECASE)
    found += [
        m.group(0)
        for m in _HOST.finditer(text)
        if m.group(1).lower() in TLDS or m.group(1).startswith("xn--")
    ]
    found += re.findall(r"(?<![\w.@&<|;])@[UW][A-Z0-9]{2,}\b|@(?:channel|here|everyone)\b", text)
    return found


pieces = st.lists(st.one_of(st.sampled_from(ATTACKS), st.text(max_size=12)), max_size=8)


@settings(max_examples=400, deadline=None)
@given(pieces, st.sampled_from(["", " ", "\n", "(", ")", "[", "]"]))
@example(["<#"], "")  # found by this test in CI: a bare "<#" / "<!" / "<@" survived
@example(["<", "!here"], "")
@example(["<<!channel>"], "")  # a defanged broadcast must not leave "<@" behind
@example(["<A"], "")  # found by this test: an unclosed "<a" / "<at" / "<https:" stayed
def test_defanged_text_holds_no_mention_broadcast_or_link_and_is_idempotent(parts, glue):
    out = defang(glue.join(parts))
    assert links_in(out) == [], out
    assert "<@" not in link_core_mentions(escape(out))  # the Slack renderer finds no core mention in it
    assert defang(out) == out


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_defang_is_idempotent_on_any_text(text):
    once = defang(text)
    assert defang(once) == once


def test_every_attack_keeps_its_words_but_loses_its_power():
    out = defang(" ".join(ATTACKS))
    assert "U0OWNER1" in out and "everyone" in out and "details" in out and "evil-pay[.]com" in out
    assert links_in(out) == []


def test_product_text_keeps_its_own_mentions_and_only_those():
    text = product(
        "✋ rejected by @U0OWNER1: {comment}", comment="ping @U0EVIL99 <!channel> [x](evil-pay.com)"
    )
    assert isinstance(text, ProductText)
    slack = link_core_mentions(escape(shown(text)))
    assert (
        "<@U0OWNER1>" in slack
        and "U0EVIL99>" not in slack
        and "](" not in slack
        and "evil-pay.com" not in slack
    )
    lines = join("\n", [trusted("awaiting @U0OWNER2"), "model said @U0EVIL99 evil-pay.com/x"])
    assert link_core_mentions(escape(shown(lines))).count("<@") == 1 and "[link removed]" in lines
    assert (
        link_core_mentions(escape(shown("plain text from anywhere @U0OWNER1"))).count("<@") == 0
    )  # fail closed


def test_paths_tool_names_and_numbers_stay_readable():
    text = (
        "knowledge/support/entitlements.md § 2.1 via helpdesk.issue_credit and knowledge.search, v1.2.3, 3.5"
    )
    assert defang(text) == text
