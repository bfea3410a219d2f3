"""bot/core/inputs.py: what counts as visible text, and which ids may become part of a Redis key."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from bot.core.inputs import Id, SlackId, is_blank

INVISIBLE = st.characters(categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"]) | st.sampled_from(
    "\u115f\u1160\u3164\uffa0\u2800"
)


@given(st.text(INVISIBLE, max_size=50))
def test_text_made_only_of_invisible_characters_is_blank(text: str) -> None:
    assert is_blank(text)


@given(
    st.text(INVISIBLE, max_size=20),
    st.characters(categories=["L", "N", "P", "S"]).filter(
        lambda c: c not in "\u115f\u1160\u3164\uffa0\u2800"
    ),
    st.text(INVISIBLE, max_size=20),
)
def test_one_visible_character_is_enough(before: str, char: str, after: str) -> None:
    assert not is_blank(before + char + after), unicodedata.name(char, hex(ord(char)))


@pytest.mark.parametrize(
    "value", [False, 0, 1.5, None, ["C1"], {"id": "C1"}, "", "a b", "x\n", "é", "x" * 513]
)
def test_an_id_is_a_short_printable_string_never_coerced(value: object) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(Id).validate_python(value)


def test_ids_as_the_platforms_send_them() -> None:
    for teams in ("19:abc@thread.tacv2;messageid=1481567603816", "29:1XyZ-_", "a:1Xy", "user-id-0"):
        assert TypeAdapter(Id).validate_python(teams) == teams
    assert TypeAdapter(SlackId).validate_python("U0AGENT") == "U0AGENT"
    with pytest.raises(ValidationError):
        TypeAdapter(SlackId).validate_python("U0;DROP")
