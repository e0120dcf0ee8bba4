"""Finding the app for the ``quart`` command (re-exported by :mod:`quart.cli`).

See :mod:`quart.cli` for the discovery rules; every failure is a
:class:`NoAppException` whose message says what to do.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING
from typing import TypeGuard

import click

if TYPE_CHECKING:
    from ..app import Quart

__all__ = [
    "NoAppException",
    "find_app_by_string",
    "find_best_app",
    "prepare_import",
]


class NoAppException(click.UsageError):
    """The application could not be found or loaded; the message says why and
    what to do about it."""


def _is_app(value: object) -> TypeGuard[Quart]:
    from ..app import Quart

    return isinstance(value, Quart)


def _called_with_wrong_args(func: object) -> bool:
    """Whether the ``TypeError`` being handled came from calling ``func`` with
    the wrong arguments, rather than from inside it."""
    tb = sys.exc_info()[2]
    try:
        while tb is not None:
            if tb.tb_frame.f_code is getattr(func, "__code__", None):
                return False  # The call got into the function: a bug in it.
            tb = tb.tb_next
        return True
    finally:
        # Break the frame <-> traceback cycle straight away.
        del tb


def _call_factory(
    module: ModuleType, name: str, args: list[object], kwargs: dict[str, object]
) -> object:
    factory = getattr(module, name)
    try:
        result = factory(*args, **kwargs)
    except TypeError as error:
        if not _called_with_wrong_args(factory):
            raise
        raise NoAppException(
            f"The factory {name!r} in module {module.__name__!r} could not be called with"
            f" {'these arguments' if args or kwargs else 'no arguments'}. Pass the ones it"
            f" needs as literals: 'quart --app {module.__name__}:{name}(...)'."
        ) from error
    if inspect.iscoroutine(result):
        result.close()
        raise NoAppException(
            f"The factory {name!r} in module {module.__name__!r} is a coroutine function;"
            " make it a plain 'def' that returns the app."
        )
    return result


def find_best_app(module: ModuleType) -> Quart:
    """Find the app in ``module``: ``app`` or ``application``, else the only
    :class:`~quart.Quart` instance, else the result of ``create_app()`` or
    ``make_app()`` called without arguments.

    :param module: The imported module.
    :raises NoAppException: Nothing (or more than one app) was found.
    """
    for name in ("app", "application"):
        value = getattr(module, name, None)
        if _is_app(value):
            return value
    found = {name: value for name, value in vars(module).items() if _is_app(value)}
    if len(found) == 1:
        return next(iter(found.values()))
    if len(found) > 1:
        raise NoAppException(
            f"Found several Quart apps in module {module.__name__!r} ({', '.join(found)})."
            f" Choose one with 'quart --app {module.__name__}:NAME'."
        )
    for name in ("create_app", "make_app"):
        if inspect.isfunction(getattr(module, name, None)):
            app = _call_factory(module, name, [], {})
            if _is_app(app):
                return app
            raise NoAppException(
                f"{name}() in module {module.__name__!r} returned {app!r}, not a Quart app."
            )
    raise NoAppException(
        f"Could not find a Quart app or factory in module {module.__name__!r}."
        f" Name it with 'quart --app {module.__name__}:NAME'."
    )


def _parse_app_name(app_name: str) -> tuple[str, list[object], dict[str, object], bool]:
    """Parse ``name`` or ``name(literal, key=literal)``."""
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        expr = None
    if isinstance(expr, ast.Name):
        return expr.id, [], {}, False
    if not isinstance(expr, ast.Call) or not isinstance(expr.func, ast.Name):
        raise NoAppException(
            f"Could not parse {app_name!r} as an attribute name or a factory call;"
            " use 'NAME' or 'NAME(args)'."
        )
    try:
        args = [ast.literal_eval(arg) for arg in expr.args]
        kwargs = {}
        for keyword in expr.keywords:
            if keyword.arg is None:
                raise ValueError("** is not supported")
            kwargs[keyword.arg] = ast.literal_eval(keyword.value)
    except ValueError:
        raise NoAppException(
            f"The arguments in {app_name!r} must be Python literals (strings, numbers,"
            " lists, ...), passed positionally or by keyword."
        ) from None
    return expr.func.id, args, kwargs, True


def find_app_by_string(module: ModuleType, app_name: str) -> Quart:
    """Find the app named by ``app_name`` in ``module``: an attribute, or a
    factory called with literal arguments (``create_app('dev')``).

    :param module: The imported module.
    :param app_name: The part of ``--app`` after the colon.
    """
    name, args, kwargs, is_call = _parse_app_name(app_name)
    if not hasattr(module, name):
        raise NoAppException(f"Module {module.__name__!r} has no attribute {name!r}.")
    value = getattr(module, name)
    if inspect.isfunction(value):
        value = _call_factory(module, name, args, kwargs)
    elif is_call:
        raise NoAppException(f"{name!r} in module {module.__name__!r} is not a function.")
    if _is_app(value):
        return value
    raise NoAppException(
        f"'{module.__name__}:{app_name}' is {value!r}, not a Quart app (or a factory of one)."
    )


def prepare_import(path: str) -> str:
    """Turn a file path or dotted name into a module name, and put the folder
    it is imported from (above any packages) first on ``sys.path``.

    :param path: ``app.py``, ``src/project/app.py``, ``project.app``...
    """
    path = os.path.realpath(path)
    stem, extension = os.path.splitext(path)
    if extension == ".py":
        path = stem
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)
    parts = []
    while True:
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.exists(os.path.join(path, "__init__.py")):
            break
    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))
