"""Jinja2 sandbox for step arguments and observations: templates can read data, never run code.

The sandbox also bounds the work a template may do, since a worker renders it inside a mission:
- numbers: `**` and `*` refuse results beyond `MAX_INT_BITS` (`9 ** 999999999` would take hours);
- sizes: repeating, padding, replacing or formatting refuses values beyond `MAX_LENGTH` *before* building
  them (`'a' * 10**9`, `'%999999999d' % 1`, `x | center(10**9)`), and the rendered text is cut off at
  `MAX_OUTPUT`;
- steps: every loop iteration, call and filter spends one unit of a per-render budget (`MAX_STEPS`), so
  nested loops and recursive macros end; `range` is capped at `MAX_LENGTH` items.
Each refusal is a `TemplateLimit` (a Jinja2 `SecurityError`, so a `TemplateError`) that names the limit.
"""

from __future__ import annotations

import functools
import math
import re
import string
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, Template, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from bot.core.string_tree import map_strings

MAX_INT_BITS = 4_096  # about 1,200 digits: more than any amount, id or count
MAX_LENGTH = 100_000  # characters or items in one value a template builds
MAX_OUTPUT = 200_000  # characters one render may produce
MAX_STEPS = 20_000  # loop iterations + calls + filters in one render (about 0.3 s)
MAX_WIDTH = 1_000  # a field width or precision in a format string
_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")
_steps: ContextVar[list[int]] = ContextVar("template_steps")
_LOOP_STEP = "__missionbot_loop_step"


class TemplateLimit(SecurityError):
    """A template tried to do more work than the sandbox allows."""


def _spend() -> None:
    budget = _steps.get(None)
    if budget is None:
        return  # outside `render` (parsing at load): nothing runs
    budget[0] += 1
    if budget[0] > MAX_STEPS:
        raise TemplateLimit(f"template refused: more than {MAX_STEPS:,} loop iterations, calls and filters")


def _length(value: Any) -> int | None:
    return len(value) if isinstance(value, str | bytes | list | tuple) else None


def _check_length(size: float, what: str) -> None:
    if size > MAX_LENGTH:
        raise TemplateLimit(
            f"template refused: {what} would make {size:,.0f} characters or items (limit {MAX_LENGTH:,})"
        )


def _check_bits(bits: float, what: str) -> None:
    if bits > MAX_INT_BITS:
        raise TemplateLimit(
            f"template refused: {what} would be a number of about {bits * 0.30103:,.0f} digits "
            f"(limit {MAX_INT_BITS * 0.30103:,.0f})"
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    if operator == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
        _check_bits(right * math.log2(abs(left)), f"{left} ** {right}")
    elif operator == "*":
        if _is_int(left) and _is_int(right):
            _check_bits(left.bit_length() + right.bit_length(), "a product")
        for seq, times in ((left, right), (right, left)):
            size = _length(seq)
            if size is not None and _is_int(times):
                _check_length(size * times, "repeating a value")
    elif operator == "+" and _length(left) is not None and _length(right) is not None:
        _check_length(len(left) + len(right), "joining two values")
    elif operator == "%" and isinstance(left, str):
        _check_printf(left)


def _check_printf(fmt: str) -> None:
    for found in _PRINTF.finditer(fmt):
        for number in found.groups():
            if number == "*" or (number and (len(number) > 6 or int(number) > MAX_WIDTH)):
                raise TemplateLimit(f"template refused: format width {number} (limit {MAX_WIDTH:,})")


def _check_format(fmt: str) -> None:
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return  # not a format string: calling `format` on it fails the same way
    for _, _, spec, _ in fields:
        if spec and ("{" in spec or any(len(n) > 6 or int(n) > MAX_WIDTH for n in re.findall(r"\d+", spec))):
            raise TemplateLimit(f"template refused: format spec {spec!r} (widths up to {MAX_WIDTH:,})")


def _check_str_call(name: str, text: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse, before building it, a padded or replaced string that would be too long."""
    first = args[0] if args else next(iter(kwargs.values()), None)
    if name in {"center", "ljust", "rjust", "zfill"} and _is_int(first):
        _check_length(first, f"{name}({first})")
    elif name == "expandtabs":
        _check_length(len(text) * (first if _is_int(first) else 8), "expandtabs")
    elif name == "indent":
        width = len(first) if isinstance(first, str) else first if _is_int(first) else 4
        _check_length(len(text) + width * (text.count("\n") + 1), f"indent({width})")
    elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        old, new = args[0], args[1]
        _check_length(len(text) + (text.count(old) if old else len(text) + 1) * len(new), "replace")
    elif name == "format":
        _check_printf(text)


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)  # keeps Jinja's pass_context/pass_environment marker
    def run(*args: Any, **kwargs: Any) -> Any:
        _spend()
        values = list(args[1:] if getattr(func, "jinja_pass_arg", None) else args)  # not a passed context
        if values and isinstance(values[0], str):
            _check_str_call(name, values[0], tuple(values[1:]), kwargs)
        result = func(*args, **kwargs)
        size = _length(result)
        if size is not None:
            _check_length(size, f"the {name} filter")
        return result

    return run


def _loop_step() -> None:
    """Called at the top of every loop body; the sandbox's `call` counts it."""


def _range(*args: int) -> range:
    found = range(*args)
    _check_length(len(found), "range")
    return found


class BoundedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False)
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        self.globals["range"] = _range
        self.globals[_LOOP_STEP] = _loop_step
        self.globals.pop("namespace", None)  # no state carried across loop iterations (no doubling loops)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):  # each iteration first calls a no-op: `call` spends a step
            tick = nodes.ExprStmt(nodes.Call(nodes.Name(_LOOP_STEP, "load"), [], [], None, None))
            loop.body = [tick, *loop.body]
        return tree

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right)
        try:
            return super().call_binop(context, operator, left, right)
        except (OverflowError, MemoryError) as exc:  # e.g. 2.0 ** 99999
            raise TemplateLimit(f"template refused: {left!r:.40} {operator} {right!r:.40}: {exc}") from None

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _spend()
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str):
            _check_str_call(getattr(__obj, "__name__", ""), owner, args, kwargs)
        result = super().call(__context, __obj, *args, **kwargs)
        size = _length(result)
        if size is not None:
            _check_length(size, "a call")
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_format(value.__self__)
        return wrapped


_ENV = BoundedSandbox()


def parse_template(source: str) -> None:
    _ENV.parse(source)


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    return _ENV.from_string(source)


def compile_all(sources: Iterable[str]) -> int:
    """Compile these templates now, into this process's cache. A worker that forks a work horse per job
    calls it before the horses fork: each horse then starts with them compiled, where it compiled every
    template it rendered (a parse and a code generation each; a playbook mission renders about 14) and lost
    them when it exited. Only text with a `{` is taken; what does not compile is skipped (`missionbot
    check` names it, and rendering it raises as before). Returns how many compiled."""
    done = 0
    for source in dict.fromkeys(sources):
        if "{" not in source:
            continue
        try:
            _compiled(source)
        except Exception:  # a warm-up never stops a worker; rendering it reports the error
            continue
        done += 1
    return done


def render(source: str, variables: dict[str, Any]) -> str:
    token = _steps.set([0])
    try:
        parts, size = [], 0
        for part in _compiled(source).generate(**variables):
            size += len(part)
            if size > MAX_OUTPUT:
                raise TemplateLimit(f"template refused: the rendered text passes {MAX_OUTPUT:,} characters")
            parts.append(part)
        return "".join(parts)
    except RecursionError:
        raise TemplateLimit("template refused: macros call each other too deeply") from None
    finally:
        _steps.reset(token)


def render_value(value: Any, variables: dict[str, Any]) -> Any:
    """Render every string inside a (nested) argument structure."""
    return map_strings(lambda text: render(text, variables), value)
