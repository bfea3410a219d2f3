"""map_strings reaches every string in nested arguments and tool results, and nothing else."""

from __future__ import annotations

from bot.core.string_tree import map_strings


def test_every_string_at_any_depth_is_mapped_and_other_values_kept():
    value = {"a": "x", "b": [1, "y", {"c": "z", "d": None}], "e": 2.5, "f": True}
    assert map_strings(str.upper, value) == {
        "a": "X",
        "b": [1, "Y", {"c": "Z", "d": None}],
        "e": 2.5,
        "f": True,
    }


def test_keys_are_not_mapped_and_the_input_is_not_changed():
    value = {"key": ["v"]}
    assert map_strings(lambda s: s + "!", value) == {"key": ["v!"]}
    assert value == {"key": ["v"]}
    assert map_strings(str.upper, "top") == "TOP" and map_strings(str.upper, 7) == 7
