"""Flask's and Werkzeug's package ``__init__`` run on first use, not on import.

This package builds on submodules of ``flask`` and ``werkzeug`` (``flask.sansio``,
``werkzeug.datastructures``, ...). Importing a submodule runs its package's
``__init__`` first, and those two import everything their package offers: the
WSGI ``Flask`` class and its CLI (``flask.app``, ``flask.cli``, ``click``), the
development server (``werkzeug.serving``, ``http.server``) and the WSGI test
client (``werkzeug.test``). None of it serves an ASGI request; it was about a
fifth of ``import quart`` (issue #14: start-up).

:func:`defer_init` puts a package's module in ``sys.modules`` before anything
imports it, with its ``__path__`` (so submodules import as usual) but without
running its ``__init__``. The module's ``__getattr__`` (PEP 562) answers a
submodule's name with the submodule; the first name that is not a submodule
(``flask.Flask``, ``from werkzeug import run_simple``, ``flask.__version__``)
runs the package's ``__init__`` in the module, once, and the package is then
exactly as if imported normally. So ``import flask`` after ``import quart``
works as ever; only ``dir(flask)`` lists fewer names until the first such use.
A package that is already imported is left alone.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

__all__ = ["defer_init", "is_deferred"]


def defer_init(name: str) -> None:
    """Let the submodules of package ``name`` import without running its
    ``__init__``, which runs on first use of any other name (see the module
    docstring). Does nothing if ``name`` is imported already or is not a
    package."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    module = importlib.util.module_from_spec(spec)
    lock = threading.RLock()
    ran: list[bool] = []

    def __getattr__(attribute: str) -> Any:
        if not attribute.startswith("__"):
            submodule = f"{name}.{attribute}"
            if submodule in sys.modules:
                return sys.modules[submodule]
            if importlib.util.find_spec(submodule) is not None:
                return importlib.import_module(submodule)
        namespace = module.__dict__
        # Another thread asking meanwhile waits here until the __init__ has run.
        with lock:
            if not ran:
                ran.append(True)
                assert spec.loader is not None
                try:
                    # Names it asks for while it runs come back here (the
                    # lock is re-entrant): submodules, as an import would.
                    spec.loader.exec_module(module)
                except BaseException:
                    ran.clear()  # As for a failed import: the next use tries again.
                    raise
                if namespace.get("__getattr__") is __getattr__:
                    del namespace["__getattr__"]  # The package has none of its own.
        if attribute in namespace:
            return namespace[attribute]
        own = namespace.get("__getattr__")
        if own is not None and own is not __getattr__:
            return own(attribute)
        raise AttributeError(f"module {name!r} has no attribute {attribute!r}")

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[name] = module


def is_deferred(module: types.ModuleType) -> bool:
    """Whether ``module``'s ``__init__`` still waits for its first use."""
    getter = module.__dict__.get("__getattr__")
    return getter is not None and getattr(getter, "__module__", None) == __name__


# Done as ``quart`` is imported: its ``__init__`` imports this module before
# anything that imports Flask or Werkzeug.
defer_init("werkzeug")
defer_init("flask")
