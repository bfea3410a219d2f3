"""Jinja2 sandbox for step arguments and observations: templates can read data, never run code."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template
from jinja2.sandbox import ImmutableSandboxedEnvironment

from bot.nested import map_strings

_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def parse_template(source: str) -> None:
    _ENV.parse(source)


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    return _ENV.from_string(source)


def render(source: str, variables: dict[str, Any]) -> str:
    return _compiled(source).render(**variables)


def render_value(value: Any, variables: dict[str, Any]) -> Any:
    """Render every string inside a (nested) argument structure."""
    return map_strings(lambda text: render(text, variables), value)
