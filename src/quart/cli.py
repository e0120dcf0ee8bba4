"""The ``quart`` command (click): app discovery, ``run``, ``routes``, ``shell``.

Only the building blocks other modules need live here for now (``AppGroup``,
``ScriptInfo``, ``with_appcontext``); see the README for what the command
supports today.
"""

from __future__ import annotations

import asyncio
import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any
from typing import TypeVar

import click

if TYPE_CHECKING:
    from .app import Quart

__all__ = ["AppGroup", "NoAppException", "ScriptInfo", "main", "pass_script_info", "with_appcontext"]

F = TypeVar("F", bound=Callable[..., Any])


class NoAppException(click.UsageError):
    """The application could not be found or loaded."""


class ScriptInfo:
    """What the CLI knows about the app to load.

    :param app_import_path: ``module:name`` of the app.
    :param create_app: A factory to call instead.
    :param set_debug_flag: Apply ``--debug`` to the loaded app.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[..., Quart] | None = None,
        set_debug_flag: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.set_debug_flag = set_debug_flag
        #: A dict for extensions to keep data in.
        self.data: dict[Any, Any] = {}
        self._loaded_app: Quart | None = None

    def load_app(self) -> Quart:
        """Load (once) and return the application."""
        if self._loaded_app is not None:
            return self._loaded_app
        if self.create_app is not None:
            app = self.create_app()
        else:
            raise NoAppException(
                "Could not locate a Quart application. Use 'quart --app module:name' or set QUART_APP."
            )
        self._loaded_app = app
        return app


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(fn: F) -> F:
    """Run a (sync) click command inside an app context of the loaded app."""

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: Any, **kwargs: Any) -> Any:
        app = ctx.ensure_object(ScriptInfo).load_app()

        async def _inner() -> Any:
            async with app.app_context():
                return ctx.invoke(fn, *args, **kwargs)

        try:
            return asyncio.run(_inner())
        except RuntimeError as error:
            if "asyncio.run() cannot be called" in str(error):
                raise click.UsageError(
                    "The app context cannot be used with a command that runs an event loop."
                ) from error
            raise

    return functools.update_wrapper(decorator, fn)  # type: ignore[return-value]


class AppGroup(click.Group):
    """A click group whose ``command(with_appcontext=True)`` runs commands in
    an app context and whose ``group()`` makes more ``AppGroup``s."""

    def command(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Register a command; ``with_appcontext=True`` runs it in an app context."""
        wrap = kwargs.pop("with_appcontext", False)

        def decorator(func: Callable[..., Any]) -> click.Command:
            if wrap:
                func = with_appcontext(func)
            return click.Group.command(self, *args, **kwargs)(func)

        return decorator

    def group(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Register a sub-group (an ``AppGroup`` by default)."""
        kwargs.setdefault("cls", AppGroup)
        return click.Group.group(self, *args, **kwargs)


def main() -> None:
    """Entry point of the ``quart`` command."""
    print("usage: quart [--app IMPORT] COMMAND\n\nThe quart command is not implemented yet.")
    sys.exit(2)
