"""The template sandbox reads data and never runs code; its work bounds are guarantees
(tests/guarantees/test_bounds_templates.py)."""

from __future__ import annotations

import pytest
from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SecurityError

from bot.core import templating
from bot.core.templating import MAX_OUTPUT, TemplateLimit, parse_template, render, render_value


def test_templates_read_nested_data_and_filters():
    data = {"ticket": {"id": 1042, "tags": ["a", "b"]}, "amount": 40}
    assert (
        render("ESC-{{ ticket.id }}: {{ ticket.tags | join(',') }} {{ amount * 2 }}", data)
        == "ESC-1042: a,b 80"
    )


def test_every_string_of_a_nested_argument_structure_is_rendered():
    args = {"account_id": "{{ a }}", "lines": ["{{ a }}-1", 7], "n": None}
    assert render_value(args, {"a": "AC-9"}) == {"account_id": "AC-9", "lines": ["AC-9-1", 7], "n": None}


def test_an_undefined_name_is_an_error_not_an_empty_string():
    with pytest.raises(UndefinedError):
        render("{{ tikcet.id }}", {"ticket": {"id": 1}})


def test_no_code_runs_through_attributes_or_mutation():
    with pytest.raises(SecurityError):
        render("{{ ''.__class__.__mro__ }}", {})
    with pytest.raises(SecurityError):
        render("{{ items.append(1) }}", {"items": []})  # immutable sandbox: data is only read


def test_syntax_is_checked_at_parse_time_without_rendering():
    parse_template("{% for x in range(10**9) %}{{ x }}{% endfor %}")  # parsing runs nothing
    with pytest.raises(TemplateSyntaxError):
        parse_template("{{ unclosed ")


def test_the_rendered_text_is_cut_off_at_the_output_limit():
    with pytest.raises(TemplateLimit, match="passes"):
        render("{% for i in range(30) %}{{ x }}{% endfor %}", {"x": "y" * (MAX_OUTPUT // 20)})


def test_compile_all_compiles_the_templates_and_skips_plain_and_broken_text():
    templating._compiled.cache_clear()
    sources = [
        "Ticket {{ ticket_id }}",
        "{% if x %}y{% endif %}",
        "plain text",
        "{{ broken",
        "Ticket {{ ticket_id }}",
    ]
    assert templating.compile_all(sources) == 2  # each once; the broken one is left for its render to report
    assert templating._compiled.cache_info().currsize == 2
    with pytest.raises(TemplateSyntaxError):
        templating.render("{{ broken", {})
