"""Public faces: a package names what it offers, grouped by the module that defines it, loaded on first use.

A package's `__init__.py` reads `__all__, __getattr__, __dir__ = lazy(__name__, {module: [names]})`, so
`from bot import MissionService` works and `bot.MissionService` is listed by `dir(bot)`, while nothing is
imported until a name is asked for (PEP 562). Eager re-exports would run on every `import bot.core.errors`
(each package's `__init__` runs first), loading Redis, RQ, Jinja and LangChain for every CLI start and RQ
job, and they would tie every package to the modules it re-exports: the import cycles the layers forbid.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from importlib import import_module

Getattr = Callable[[str], object]
Dir = Callable[[], list[str]]


def lazy(package: str, offers: Mapping[str, Sequence[str]]) -> tuple[list[str], Getattr, Dir]:
    """`__all__`, `__getattr__` and `__dir__` for `package`; `offers` maps a module to the names it defines.
    Offer no name that is also a submodule: `package.name` would then depend on what was imported first
    (tests/bot/test_public_faces.py checks every package)."""
    where: dict[str, str] = {}
    for module, names in offers.items():
        for name in names:
            if name in where:
                raise ValueError(f"{package}: {name!r} is offered by {where[name]} and {module}")
            where[name] = module

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            # AttributeError also lets `from package import submodule` fall back to importing it.
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        vars(sys.modules[package])[name] = value  # found once: later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *where})

    return list(where), __getattr__, __dir__
