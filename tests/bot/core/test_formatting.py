"""Numbers, money and times read the same everywhere, in the reader's locale or the worker's."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.formatting import Formats, check_currency, check_locale, language

EN = Formats()
DE = Formats(locale="de-DE", currency="EUR", timezone="Europe/Berlin")


@pytest.mark.parametrize(
    ("value", "en", "de"),
    [(40.0, "40", "40"), (40, "40", "40"), (1234.5, "1,234.5", "1.234,5"), (-0.25, "-0.25", "-0,25")],
)
def test_numbers_drop_a_useless_decimal_and_group_thousands(value, en, de):
    assert (EN.number(value), DE.number(value)) == (en, de)


def test_money_has_its_symbol_and_cents_only_when_there_are_some():
    assert EN.money(40.0) == "$40"
    assert EN.money(40.5) == "$40.50"
    assert EN.money(1234567) == "$1,234,567"
    assert DE.money(40.5) == "40,50\u00a0€"
    assert Formats(currency="JPY").money(1200.4) == "¥1,200"


def test_times_are_local_and_to_the_minute():
    moment = datetime(2026, 11, 30, 15, 10, 58, 123456, tzinfo=UTC)
    assert EN.when(moment) == "Nov 30, 2026, 3:10 PM UTC"
    assert DE.when(moment) == "30.11.2026, 16:10 CET"
    assert EN.value("2026-11-30T15:10:58.123456+00:00") == "Nov 30, 2026, 3:10 PM UTC"
    assert DE.value(date(2026, 1, 2)) == "02.01.2026"


def test_declared_formats_and_scalars():
    assert EN.value("40", "currency") == "$40"
    assert EN.value(12.5, "percent") == "12.5%"
    assert EN.value(True) == "yes"
    assert EN.value(None) == "none"
    assert EN.value("ACME-7", "currency") == "ACME-7"  # not a number: shown as written


def test_the_platform_locale_wins_when_known():
    assert EN.for_reader("de-DE").number(1234.5) == "1.234,5"
    assert EN.for_reader("xx-YY") is EN
    assert EN.for_reader(None) is EN
    assert language("fr_FR") == "fr"


def test_config_validators_refuse_unknown_values():
    with pytest.raises(ValueError, match="unknown locale 'klingon'"):
        check_locale("klingon")
    with pytest.raises(ValueError, match="unknown currency 'XYZ'"):
        check_currency("XYZ")


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))
def test_any_number_reads_back_as_itself(value):
    text = EN.number(value)
    assert "e" not in text.lower()
    assert Decimal(text.replace(",", "")) == round(Decimal(repr(value)), 6)
