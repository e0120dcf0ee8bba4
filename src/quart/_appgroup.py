"""``AppGroup``, the click group of ``app.cli`` and ``bp.cli``.

Kept apart from :mod:`quart.cli` (which has it under that name) because
every app and blueprint makes one: creating an app needs click (which Flask
imports anyway) but not the ``quart`` command, so ``import quart`` and
``Quart(__name__)`` do not load :mod:`quart.cli`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any
from typing import overload

import click


class AppGroup(click.Group):
    """A click group whose ``command(with_appcontext=True)`` runs the command in
    an app context, which accepts ``async def`` commands, and whose ``group()``
    makes more ``AppGroup`` instances (``app.cli`` and ``bp.cli`` are these)."""

    @overload
    def command(self, __func: Callable[..., object]) -> click.Command: ...
    @overload
    def command(
        self, *args: object, **kwargs: object
    ) -> Callable[[Callable[..., object]], click.Command]: ...
    def command(
        self, *args: object, **kwargs: object
    ) -> Callable[[Callable[..., object]], click.Command] | click.Command:
        """Register a command (a decorator), as :meth:`click.Group.command`:
        ``@cli.command()``, ``@cli.command("name", ...)`` or bare ``@cli.command``.

        :param with_appcontext: Run the command in the app context.
        """
        if len(args) == 1 and not kwargs and callable(args[0]):
            return self.command()(args[0])  # bare @cli.command
        wrap = kwargs.pop("with_appcontext", False)

        def decorator(func: Callable[..., object]) -> click.Command:
            # quart.cli is imported only for the commands that need it.
            if wrap:
                from .cli import with_appcontext

                func = with_appcontext(func)
            elif inspect.iscoroutinefunction(func):
                from .cli import _run_async_command

                func = _run_async_command(func)
            command: click.Command = click.Group.command(self, *args, **kwargs)(func)
            return command

        return decorator

    def group(self, *args: object, **kwargs: object) -> Any:
        """Register a sub-group (an ``AppGroup`` unless ``cls`` says otherwise)."""
        kwargs.setdefault("cls", AppGroup)
        return click.Group.group(self, *args, **kwargs)
