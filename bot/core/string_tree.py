"""Apply a text function to every string inside nested dicts and lists (arguments, tool results)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def map_strings(func: Callable[[str], str], value: Any) -> Any:
    if isinstance(value, str):
        return func(value)
    if isinstance(value, dict):
        return {k: map_strings(func, v) for k, v in value.items()}
    if isinstance(value, list):
        return [map_strings(func, v) for v in value]
    return value
