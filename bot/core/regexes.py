"""Regular expressions from worker configs (`match:` patterns, `matches` conditions): checked, then timed.

A backtracking engine can take exponential time on patterns that offer many ways to match the same text,
and the text comes from requesters and models. Two defences, because neither is complete alone:

- at load, refuse the classic shapes: a quantifier inside a quantified group (star height > 1, e.g.
  `(a+)+`, `(\\w+\\s?)*`, `(?:a{1,3})+`) and a quantified alternation whose branches can start alike
  (`(a|a)*`, `(ab|a[bc]d)*`). These are found on the parse tree of Python's own `re` parser;
- at run time, every search runs on the `regex` engine with a time limit; a timeout raises
  `PatternTimeout`, which callers turn into a no-match or a refusal, never a hang.
"""

from __future__ import annotations

import re
import re._parser as sre  # the parse tree `re` itself compiles from; stable across 3.11-3.13
from functools import lru_cache
from typing import Any

import regex

TIMEOUT_SECONDS = 0.2
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}
_WIDE = None  # a first-character set too large to enumerate: assume it overlaps anything


class PatternTimeout(Exception):
    """A configured pattern took longer than its time limit on some input."""


def check_pattern(pattern: str) -> str:
    """The pattern, if it compiles and has no exponential-backtracking shape; else ValueError saying why."""
    try:
        tree = sre.parse(pattern)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    problem = _nested(list(tree), inside_repeat=False)
    if problem:
        raise ValueError(f"regular expression {pattern!r} refused: {problem}")
    return pattern


def search(pattern: str, text: str, *, timeout: float = TIMEOUT_SECONDS) -> regex.Match[str] | None:
    """`re.search` semantics on the `regex` engine, bounded in time."""
    try:
        return _compiled(pattern).search(text, timeout=timeout)
    except TimeoutError:
        raise PatternTimeout(f"pattern {pattern!r} took longer than {timeout:g} s") from None


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern, flags=regex.VERSION0)  # VERSION0: the `re` dialect configs are written in


def _variable(op: Any, av: Any) -> bool:
    return op in _REPEATS and av[1] > 1 and av[0] != av[1]


def _nested(items: list[tuple[Any, Any]], *, inside_repeat: bool) -> str | None:
    for op, av in items:
        if op in _REPEATS:
            if inside_repeat and _variable(op, av):
                return (
                    "a quantifier inside a quantified group can take exponential time on some inputs; "
                    "quantify one level only (e.g. `[\\d,]*` rather than `(\\d+,)*`)"
                )
            repeats = av[1] > 1
            body = list(av[2])
            if repeats and _ambiguous(body):
                return (
                    "a repeated alternation whose branches can start with the same text can take "
                    "exponential time on some inputs; make the alternatives start differently"
                )
            found = _nested(body, inside_repeat=inside_repeat or repeats)
        elif op == sre.SUBPATTERN:
            found = _nested(list(av[3]), inside_repeat=inside_repeat)
        elif op == sre.BRANCH:
            found = next((p for b in av[1] if (p := _nested(list(b), inside_repeat=inside_repeat))), None)
        elif op in {sre.ASSERT, sre.ASSERT_NOT}:
            found = _nested(list(av[1]), inside_repeat=inside_repeat)
        elif op == sre.ATOMIC_GROUP:
            found = _nested(list(av), inside_repeat=inside_repeat)
        elif op == sre.GROUPREF_EXISTS:
            found = _nested(list(av[1]), inside_repeat=inside_repeat) or (
                _nested(list(av[2]), inside_repeat=inside_repeat) if av[2] else None
            )
        else:
            found = None
        if found:
            return found
    return None


def _ambiguous(items: list[tuple[Any, Any]]) -> bool:
    """A branch (at any depth of this body) with two alternatives that may begin with the same character."""
    for op, av in items:
        if op == sre.BRANCH:
            firsts = [_first(list(b)) for b in av[1]]
            for i, a in enumerate(firsts):
                if any(_overlap(a, b) for b in firsts[i + 1 :]):
                    return True
            if any(_ambiguous(list(b)) for b in av[1]):
                return True
        elif op == sre.SUBPATTERN and _ambiguous(list(av[3])):
            return True
    return False


def _first(items: list[tuple[Any, Any]]) -> frozenset[int] | None:
    """Characters a match of `items` may start with; None when too wide to list; {-1} for the empty match."""
    found: set[int] = set()
    for op, av in items:
        if op in {sre.AT, sre.ASSERT, sre.ASSERT_NOT}:
            continue  # zero-width: look further
        if op == sre.LITERAL:
            return frozenset(found | {av})
        if op == sre.IN and all(o == sre.LITERAL for o, _ in av):
            return frozenset(found | {v for _, v in av})
        if op == sre.SUBPATTERN:
            inner = _first(list(av[3]))
        elif op == sre.BRANCH:
            parts = [_first(list(b)) for b in av[1]]
            inner = None if _WIDE in parts else frozenset().union(*parts)
        elif op in _REPEATS:
            inner = _first(list(av[2]))
            inner = inner if inner is None or av[0] > 0 else inner | {-1}
        else:
            return _WIDE  # a class, a category, `.`, a backreference: do not try to enumerate
        if inner is None:
            return _WIDE
        found |= inner - {-1}
        if -1 not in inner:
            return frozenset(found)
    return frozenset(found | {-1})


def _overlap(a: frozenset[int] | None, b: frozenset[int] | None) -> bool:
    return a is None or b is None or bool(a & b)
