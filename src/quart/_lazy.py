"""Module attributes imported on first use (PEP 562).

``import quart`` loads only what serving a request needs; the CLI, the test
client, the debug page, the reloader, Hypercorn and the like stay importable
from where Quart 0.22 has them, through a module ``__getattr__`` that calls
:func:`load`. Type checkers see those names in an ``if TYPE_CHECKING:`` block.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any

#: ``name -> (module, attribute)``; attribute ``None`` means the module itself.
LazyNames = Mapping[str, tuple[str, str | None]]


def load(module: str, name: str, names: LazyNames) -> object:
    """``name`` of ``module``, imported from where ``names`` says and kept in
    the module's namespace (so the next lookup does not come here).

    :raise AttributeError: ``name`` is not one of ``names``.
    """
    target = names.get(name)
    if target is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    source, attribute = target
    value = importlib.import_module(source)
    if attribute is not None:
        value = getattr(value, attribute)
    setattr(sys.modules[module], name, value)
    return value


def names(module: str, lazy: LazyNames) -> list[str]:
    """``dir()`` of ``module``: its namespace plus the names not loaded yet."""
    return sorted(set(vars(sys.modules[module])) | set(lazy))


class ClassAttribute:
    """A class attribute whose value is imported on first read, e.g.
    ``Quart.test_client_class`` (``quart.testing`` is not loaded before a
    test client is made). Setting the attribute on an instance or a subclass
    replaces it as usual (this is a non-data descriptor)."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        return getattr(importlib.import_module(self.module), self.name)

    def __repr__(self) -> str:
        return f"<imported on first use: {self.module}.{self.name}>"
