"""Lazy public faces: a name is imported on first use, found once, listed by dir(), and an unknown name is an
AttributeError (so `from package import submodule` still imports the submodule)."""

from __future__ import annotations

import sys
import types

import pytest

from bot.core.exports import lazy


@pytest.fixture
def package():
    """A throwaway package offering names from two real modules."""
    module = types.ModuleType("facade_under_test")
    sys.modules[module.__name__] = module
    all_, getattr_, dir_ = lazy(module.__name__, {"bot.core.errors": ["NotFound"], "json": ["dumps"]})
    module.__all__, module.__getattr__, module.__dir__ = all_, getattr_, dir_
    yield module
    del sys.modules[module.__name__]


def test_names_resolve_to_the_modules_objects_and_are_kept_after_the_first_lookup(package):
    import json

    from bot.core.errors import NotFound

    assert package.__all__ == ["NotFound", "dumps"]
    assert "dumps" not in vars(package)
    assert package.dumps is json.dumps and package.NotFound is NotFound
    assert vars(package)["dumps"] is json.dumps  # the next lookup never reaches __getattr__


def test_an_unknown_name_is_an_attribute_error_and_dir_lists_the_offers(package):
    with pytest.raises(AttributeError, match="module 'facade_under_test' has no attribute 'loads'"):
        package.loads  # noqa: B018
    assert not hasattr(package, "loads")
    assert {"NotFound", "dumps", "__all__"} <= set(dir(package))


def test_a_name_offered_twice_is_refused():
    with pytest.raises(ValueError, match="'dumps' is offered by json and pickle"):
        lazy("x", {"json": ["dumps"], "pickle": ["dumps"]})
