"""Apply a text function to every string inside nested dicts and lists (arguments, tool results), or list
those strings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


def map_strings(func: Callable[[str], str], value: Any) -> Any:
    if isinstance(value, str):
        return func(value)
    if isinstance(value, dict):
        return {k: map_strings(func, v) for k, v in value.items()}
    if isinstance(value, list):
        return [map_strings(func, v) for v in value]
    return value


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside nested dicts (their values), lists and tuples, depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_in(item)
