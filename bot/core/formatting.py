"""Numbers, money and times as people read them, the same way on every surface.

A small formatter instead of Babel (not a dependency): a table of the separators, currency placement and date
patterns of the languages we know. `40.0` reads `40`, `1234.5` reads `1,234.5` (en) or `1.234,5` (de), money
reads `$40` / `$40.50` / `40 €`, a time reads `Nov 30, 2026, 3:10 PM UTC`, never microsecond ISO.
The locale is the person's when their platform gives one (Slack user locale, Teams activity locale), else the
worker's (`locale:` in its config); an unknown platform locale falls back to the worker's language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation, localcontext
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

FieldFormat = Literal["auto", "number", "currency", "percent", "datetime", "date", "text"]
FIELD_FORMATS: tuple[str, ...] = ("auto", "number", "currency", "percent", "datetime", "date", "text")


@dataclass(frozen=True)
class _Lang:
    group: str  # thousands separator
    decimal: str
    money: str  # "{s}{n}" (symbol first) or "{n} {s}"
    when: str  # strftime-like pattern with {d} {m} {mon} {y} {time}
    clock24: bool = True


_NBSP = "\u00a0"
MAX_PLACES = 6  # decimals a plain number shows
# Language → conventions. Month abbreviations are English for every language: readable, never wrong.
LANGS: dict[str, _Lang] = {
    "en": _Lang(",", ".", "{s}{n}", "{mon} {d}, {y}, {time}", clock24=False),
    "de": _Lang(".", ",", "{n}" + _NBSP + "{s}", "{d}.{m}.{y}, {time}"),
    "fr": _Lang(_NBSP, ",", "{n}" + _NBSP + "{s}", "{d}/{m}/{y} {time}"),
    "es": _Lang(".", ",", "{n}" + _NBSP + "{s}", "{d}/{m}/{y}, {time}"),
    "it": _Lang(".", ",", "{n}" + _NBSP + "{s}", "{d}/{m}/{y}, {time}"),
    "nl": _Lang(".", ",", "{s}" + _NBSP + "{n}", "{d}-{m}-{y} {time}"),
    "pt": _Lang(".", ",", "{s}" + _NBSP + "{n}", "{d}/{m}/{y}, {time}"),
    "sv": _Lang(_NBSP, ",", "{n}" + _NBSP + "{s}", "{y}-{m}-{d} {time}"),
    "da": _Lang(".", ",", "{n}" + _NBSP + "{s}", "{d}.{m}.{y} {time}"),
    "nb": _Lang(_NBSP, ",", "{n}" + _NBSP + "{s}", "{d}.{m}.{y}, {time}"),
    "fi": _Lang(_NBSP, ",", "{n}" + _NBSP + "{s}", "{d}.{m}.{y} {time}"),
    "pl": _Lang(_NBSP, ",", "{n}" + _NBSP + "{s}", "{d}.{m}.{y}, {time}"),
    "ja": _Lang(",", ".", "{s}{n}", "{y}/{m}/{d} {time}"),
    "zh": _Lang(",", ".", "{s}{n}", "{y}/{m}/{d} {time}"),
}
# ISO 4217 code → (symbol, minor digits).
CURRENCIES: dict[str, tuple[str, int]] = {
    "USD": ("$", 2),
    "EUR": ("€", 2),
    "GBP": ("£", 2),
    "JPY": ("¥", 0),
    "CHF": ("CHF", 2),
    "CAD": ("CA$", 2),
    "AUD": ("A$", 2),
    "SEK": ("kr", 2),
    "NOK": ("kr", 2),
    "DKK": ("kr.", 2),
    "PLN": ("zł", 2),
    "INR": ("₹", 2),
    "CNY": ("CN¥", 2),
    "BRL": ("R$", 2),
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LOCALE = re.compile(r"^([a-zA-Z]{2,3})(?:[-_][a-zA-Z0-9]{2,8})*$")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@lru_cache(maxsize=256)  # a handful of locales, asked for at every value shown
def language(locale: str | None) -> str | None:
    """`en-US` / `de_DE` / `fr` → the language we have conventions for, or None."""
    found = _LOCALE.match(locale or "")
    lang = found.group(1).lower() if found else None
    return lang if lang in LANGS else None


def check_locale(locale: str) -> str:
    """For the config schema: a locale whose language this formatter knows."""
    if language(locale) is None:
        raise ValueError(
            f"unknown locale {locale!r} (languages known: {', '.join(sorted(LANGS))}; e.g. en-US)"
        )
    return locale


def check_currency(code: str) -> str:
    if code not in CURRENCIES:
        raise ValueError(f"unknown currency {code!r} (known: {', '.join(sorted(CURRENCIES))})")
    return code


@dataclass(frozen=True)
class Formats:
    """How one reader sees values: their locale, the worker's currency and timezone."""

    locale: str = "en-US"
    currency: str = "USD"
    timezone: str = "UTC"

    def for_reader(self, locale: str | None) -> Formats:
        """The platform's locale for this reader when it gives a known one, else the worker's."""
        if not locale or language(locale) is None:
            return self
        return Formats(locale=locale, currency=self.currency, timezone=self.timezone)

    @property
    def lang(self) -> _Lang:
        return LANGS[language(self.locale) or "en"]

    def number(self, value: float | int | Decimal, *, places: int | None = None) -> str:
        return _number(value, self.lang, places=places)

    def money(self, value: float | int | Decimal) -> str:
        symbol, minor = CURRENCIES.get(self.currency, (self.currency, 2))
        exact = _decimal(value)
        whole = exact == exact.to_integral_value()
        text = _number(exact, self.lang, places=0 if whole else minor)
        return self.lang.money.format(s=symbol, n=text)

    def when(self, value: datetime) -> str:
        """A readable local time, minutes precision, with the zone's abbreviation."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo("UTC"))
        local = value.astimezone(ZoneInfo(self.timezone))
        lang = self.lang
        if lang.clock24:
            clock = f"{local:%H:%M}"
        else:
            clock = f"{local.hour % 12 or 12}:{local:%M} {'AM' if local.hour < 12 else 'PM'}"
        text = lang.when.format(
            d=f"{local.day:02d}" if lang is not LANGS["en"] else local.day,
            m=f"{local.month:02d}",
            mon=_MONTHS[local.month - 1],
            y=local.year,
            time=clock,
        )
        return f"{text} {local.tzname()}"

    def day(self, value: date) -> str:
        lang = self.lang
        head = lang.when.split("{time}")[0].rstrip(", ")
        return head.format(
            d=f"{value.day:02d}" if lang is not LANGS["en"] else value.day,
            m=f"{value.month:02d}",
            mon=_MONTHS[value.month - 1],
            y=value.year,
        )

    def helpers(self) -> dict[str, Any]:
        """For templates (`summary:`, `observe:`, `verdict:`): `{{ money(amount) }}`, `{{ number(x) }}`,
        `{{ when(at) }}`; a value that is not a number or a time is shown as it is."""
        return {
            "money": lambda v: self.value(v, "currency"),
            "number": lambda v: self.value(v, "number"),
            "when": lambda v: self.value(v, "datetime"),
        }

    def value(self, value: Any, fmt: str = "auto") -> str:
        """Any scalar as text: numbers grouped, money with its symbol, ISO times readable."""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if value is None:
            return "none"
        if fmt == "text":
            return str(value)
        number = _as_number(value) if fmt in {"number", "currency", "percent"} else None
        if number is not None:
            if fmt == "currency":
                return self.money(number)
            if fmt == "percent":
                return f"{_number(number, self.lang)}%"
            return self.number(number)
        when = _as_time(value)
        if when is not None and fmt in {"auto", "datetime", "date"}:
            if fmt == "date" or (isinstance(when, date) and not isinstance(when, datetime)):
                return self.day(when)
            return self.when(when)  # type: ignore[arg-type]
        if isinstance(value, int | float | Decimal):
            return self.number(value)
        return str(value)


def _decimal(value: float | int | Decimal) -> Decimal:
    # repr is the shortest text that reads back as the same float: 0.1 stays 0.1, not 0.1000000000000000055…
    return (
        value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    )


# Pure; typed, so 1 and 1.0 (equal keys) are kept apart, as their texts may differ.
@lru_cache(maxsize=4096, typed=True)
def _number(value: float | int | Decimal, lang: _Lang, *, places: int | None = None) -> str:
    try:
        exact = _decimal(value)
    except InvalidOperation:
        return str(value)
    if not exact.is_finite():
        return str(value)
    # A reading, not a record: at most MAX_PLACES decimals; precision enough for any whole part.
    with localcontext() as ctx:
        ctx.prec = max(28, exact.adjusted() + MAX_PLACES + 2)
        exact = exact.quantize(Decimal(1).scaleb(-(MAX_PLACES if places is None else places)))
    text = f"{abs(exact):f}"
    whole, _, frac = text.partition(".")
    if places is None:
        frac = frac.rstrip("0")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    grouped = lang.group.join([whole, *groups])
    sign = "-" if exact < 0 else ""
    return f"{sign}{grouped}{lang.decimal + frac if frac else ''}"


def _as_number(value: Any) -> float | int | Decimal | None:
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _as_time(value: Any) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if _ISO_TIME.match(text):
                return datetime.fromisoformat(text.replace("Z", "+00:00"))
            if _ISO_DATE.match(text):
                return date.fromisoformat(text)
        except ValueError:
            return None
    return None
