"""Defang's typed boundary: product text keeps the mentions the product wrote,
everything else loses its power.

The property tests (no attack survives, idempotence) are the guarantee in
tests/guarantees/test_redact_defang.py.
"""

from __future__ import annotations

from bot.core.defang import (
    LINK_REMOVED,
    ProductText,
    as_text,
    defang,
    defang_broadcasts,
    defang_value,
    join,
    product,
    shown,
    trusted,
)

ZW = "\u200b"


def test_untrusted_text_keeps_its_words_but_not_its_links_or_mentions():
    out = defang("see https://evil.example/a and @here ask <@U0OWNER1> on evil-pay.com")
    assert out == f"see {LINK_REMOVED} and @{ZW}here ask @{ZW}U0OWNER1 on evil-pay[.]com"


def test_broadcasts_lose_their_power_but_core_text_keeps_its_own_user_refs():
    assert defang_broadcasts("@channel ping @U0OWNER1") == f"@{ZW}channel ping @U0OWNER1"


def test_product_fills_its_template_with_defanged_parts_and_stays_product_text():
    text = product("approve, @U0OWNER1: {what}", what="@U0EVIL says hi")
    assert isinstance(text, ProductText) and text == f"approve, @U0OWNER1: @{ZW}U0EVIL says hi"
    assert product("{n} items: {d}", n=3, d={"k": "@here"}) == f'3 items: {{"k": "@{ZW}here"}}'


def test_join_and_shown_keep_mentions_only_in_product_text():
    assert join(" ", [trusted("@U0OWNER1"), "@U0EVIL"]) == f"@U0OWNER1 @{ZW}U0EVIL"
    assert shown("@U0EVIL") == f"@{ZW}U0EVIL"  # an untyped string is untrusted whole
    assert shown(trusted("@U0OWNER1 @here")) == f"@U0OWNER1 @{ZW}here"  # product text never broadcasts


def test_nested_values_are_defanged_at_every_string_and_other_values_kept():
    assert defang_value({"a": ["@here", 1], "b": "x.com"}) == {"a": [f"@{ZW}here", 1], "b": "x[.]com"}
    assert as_text({"a": "é"}) == '{"a": "é"}' and as_text("s") == "s"


def test_ordinary_text_stays_readable():
    assert defang("b.txt 3.14 path/to/x ESC-1042 amount=40") == "b.txt 3.14 path/to/x ESC-1042 amount=40"
