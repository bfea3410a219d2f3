"""Hostile-input rules every surface shares: what counts as visible text, and what may become part of a
Redis key. Pure functions and pydantic types, no platform in them."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import StringConstraints

from bot.core.errors import BadRequest

# Unicode classes that draw nothing on their own: controls, format characters (zero-width spaces and
# joiners, bidi controls, tag characters, the BOM), surrogates, private use, unassigned, separators, and
# combining marks (variation selectors included), which need a base character to show.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
# Letters and symbols that render as blank although Unicode files them as visible (Hangul fillers, the
# braille blank): the usual way around a zero-width filter.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def is_visible(char: str) -> bool:
    return char not in _BLANK_GLYPHS and unicodedata.category(char) not in _INVISIBLE


def is_blank(text: str) -> bool:
    """True when nothing in `text` would show: empty, whitespace, or only invisible/control characters."""
    return not any(is_visible(char) for char in text)


# An id that becomes part of a key: a str (never coerced from a number or a bool), printable ASCII without
# spaces, bounded. Teams ids look like `19:abc@thread.tacv2;messageid=1`, `29:1Xy…`, or a GUID.
Id = Annotated[str, StringConstraints(strict=True, pattern=r"^[\x21-\x7e]{1,512}$")]
# Slack's ids (users, channels, teams, events): upper-case letters and digits; ts: seconds.micro.
SlackId = Annotated[str, StringConstraints(strict=True, pattern=r"^[A-Za-z0-9]{1,64}$")]
SlackTs = Annotated[str, StringConstraints(strict=True, pattern=r"^[0-9]{1,12}\.[0-9]{1,9}$")]
# Free text a person typed; the length rule is the core's (max_request_chars), this only bounds abuse.
Text = Annotated[str, StringConstraints(strict=True, max_length=200_000)]


def parse_pairs(tokens: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`amount=30 reason=dup` (the shell's `/approve 1 amount=30`) as {argument: text}; raises
    BadRequest for another shape. The values are judged by bot/core/policy/edits.py."""
    pairs: dict[str, str] = {}
    for token in tokens:
        arg, sep, value = token.partition("=")
        if not sep or not arg:
            raise BadRequest(f"{token!r}: changes are written argument=value, e.g. amount=30.")
        pairs[arg] = value
    return pairs
