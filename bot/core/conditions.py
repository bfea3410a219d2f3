"""Declarative conditions (`{amount: {lte: 50}}`): data, never `eval`."""

from __future__ import annotations

import logging
import operator
from collections.abc import Mapping
from typing import Any

from bot.core import regexes
from bot.core.config.tools import Condition

log = logging.getLogger(__name__)

_ORDER = {
    "eq": operator.eq,
    "ne": operator.ne,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def _num(value: Any) -> Any:
    # Rendered templates are strings; compare numbers as numbers when both sides are numeric.
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _holds(op: str, actual: Any, expected: Any, *, on_timeout: bool) -> bool:
    if op == "matches":
        if actual is None:
            return False
        try:
            return regexes.search(str(expected), str(actual)) is not None
        except regexes.PatternTimeout as exc:
            log.warning("condition %s; treated as %s", exc, "holding" if on_timeout else "not holding")
            return on_timeout
    if op in {"in", "not_in"}:
        members = expected if isinstance(expected, list) else [expected]
        found = actual in members or _num(actual) in [_num(m) for m in members]
        return found if op == "in" else not found
    if actual is None:
        return False
    try:
        return bool(_ORDER[op](_num(actual), _num(expected)))
    except TypeError:
        return False  # incomparable types never satisfy an ordering


def matches(condition: Condition, args: Mapping[str, Any], *, on_timeout: bool = False) -> bool:
    """True when every `argument: {operator: value}` pair holds for `args`.

    A `matches` pattern that runs out of time counts as `on_timeout`: the caller picks the safe side
    (a `forbid` rule holds, an `auto_approve` rule does not)."""
    return all(
        _holds(op, args.get(arg), expected, on_timeout=on_timeout)
        for arg, ops in condition.items()
        for op, expected in ops.items()
    )


def describe(condition: Condition) -> str:
    symbols = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}
    parts = [
        f"{arg} {symbols.get(op, op)} {value}" for arg, ops in condition.items() for op, value in ops.items()
    ]
    return " and ".join(parts)
