"""The template sandbox refuses arithmetic and size bombs quickly, with an error that names the limit."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.config.models import ObserveStep
from bot.core.models import Request
from bot.core.templating import TemplateLimit, render
from bot.missions.service import MissionService

BOMBS = [
    ("{{ 9 ** 999999999 }}", "about 954,242,522 digits"),
    ("{{ 2 ** (10 ** 20) }}", "digits"),
    ("{{ (2 ** 4000) * (2 ** 4000) }}", "a product would be a number"),
    ("{{ 2.0 ** 99999 }}", "out of range"),
    ("{{ 'a' * 10**9 }}", "1,000,000,000 characters"),
    ("{{ 10**9 * 'a' }}", "1,000,000,000 characters"),
    ("{{ [0] * 10**9 }}", "1,000,000,000 characters or items"),
    ("{{ ('a' * 60000) + ('a' * 60000) }}", "joining two values"),
    ("{{ '%999999999d' % 1 }}", "format width 999999999"),
    ("{{ '%*d' % (999999999, 1) }}", "format width *"),
    ("{{ '%999999999s' | format(1) }}", "format width"),
    ("{{ '{:>999999999}'.format(1) }}", "format spec '>999999999'"),
    ("{{ '{:{w}}'.format(1, w=999999999) }}", "format spec"),
    ("{{ 'x' | center(10**9) }}", "center(1000000000)"),
    ("{{ 'x'.ljust(10**9) }}", "ljust(1000000000)"),
    ("{{ 'x' | indent(10**9) }}", "indent(1000000000)"),
    ("{{ ('a' * 50000) | replace('a', 'a' * 50000) }}", "replace would make"),
    ("{{ range(10**9) | list }}", "range would make 1,000,000,000"),
    ("{% for a in range(90000) %}{% for b in range(90000) %}{% endfor %}{% endfor %}", "loop iterations"),
    (
        "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
        "loop iterations, calls",
    ),
    ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "too deeply"),
    ("{% for i in range(90000) %}{{ 'x' * 1000 }}{% endfor %}", "passes 200,000 characters"),
]


@pytest.mark.parametrize(("source", "message"), BOMBS)
def test_bombs_are_refused_quickly_with_the_limit_named(source, message):
    started = time.monotonic()
    with pytest.raises(TemplateLimit, match="template refused") as err:
        render(source, {})
    assert message in str(err.value)
    # A safety bound, not a benchmark: each of these runs for hours unbounded; loose for a loaded machine.
    assert time.monotonic() - started < 20


def test_ordinary_templates_still_render():
    source = (
        "{{ 2 ** 10 }} {{ 'ab' * 3 }} {{ '%05.1f' % amount }} {{ '{:>4}'.format('x') }}|"
        "{{ 'x' | center(5) }}|{% for i in range(3) %}{{ i }}{% endfor %} {{ items | length }} "
        "{{ 'a b' | replace(' ', '-') }} {{ amount * 2 }} {{ items | join(',') }}"
    )
    assert render(source, {"amount": 20, "items": [1, 2]}) == "1024 ababab 020.0    x|  x  |012 2 a-b 40 1,2"


def test_namespace_is_not_offered_so_no_loop_carries_state():
    with pytest.raises(Exception, match="'namespace' is undefined"):
        render(
            "{% set ns = namespace(s='a') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}"
            "{% endfor %}{{ ns.s | length }}",
            {},
        )


@settings(max_examples=60, deadline=None)
@given(base=st.integers(-(10**6), 10**6), power=st.integers(0, 10**9), times=st.integers(0, 10**9))
def test_any_arithmetic_either_renders_or_is_refused_fast(base, power, times):
    started = time.monotonic()
    for source in ("{{ b ** p }}", "{{ 'ab' * t }}", "{{ b * t * b * t }}"):
        with contextlib.suppress(TemplateLimit):
            render(source, {"b": base, "p": power, "t": times})
    assert time.monotonic() - started < 20  # hours unbounded; loose for a loaded machine


def test_a_playbook_step_with_a_bomb_fails_the_mission_with_a_clear_verdict(rt, run_jobs):
    worker = rt.workers["support-triage"]
    spec = worker.missions["triage_escalation"]
    steps = [*spec.steps[:3], ObserveStep(observe="{{ 9 ** 999999999 }}"), *spec.steps[4:]]
    rt.workers["support-triage"] = worker.model_copy(
        update={"missions": {"triage_escalation": spec.model_copy(update={"steps": steps})}}
    )
    mission = (
        MissionService(rt)
        .submit(Request(platform="console", conversation="C0SUPPORT", requester="U0AGENT", text="ESC-1042"))
        .mission
    )
    started = time.monotonic()
    run_jobs()
    done = rt.store.mission(mission.id)
    assert time.monotonic() - started < 30
    assert done.status == "failed" and "step 4 was refused by the template sandbox" in done.verdict
    assert "954,242,522 digits" in done.verdict and not done.proposals
