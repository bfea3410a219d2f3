"""Declarative conditions (`{amount: {lte: 50}}`): data, never `eval`."""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from typing import Any

from bot.config.models import Condition

_ORDER = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lte": operator.le, "gt": operator.gt,
          "gte": operator.ge}


def _num(value: Any) -> Any:
    # Rendered templates are strings; compare numbers as numbers when both sides are numeric.
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _holds(op: str, actual: Any, expected: Any) -> bool:
    if op == "matches":
        return actual is not None and re.search(str(expected), str(actual)) is not None
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


def matches(condition: Condition, args: Mapping[str, Any]) -> bool:
    """True when every `argument: {operator: value}` pair holds for `args`."""
    return all(_holds(op, args.get(arg), expected) for arg, ops in condition.items() for op, expected in ops.items())


def describe(condition: Condition) -> str:
    symbols = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥"}
    parts = [f"{arg} {symbols.get(op, op)} {value}" for arg, ops in condition.items() for op, value in ops.items()]
    return " and ".join(parts)
