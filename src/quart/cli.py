"""The ``quart`` command: app discovery, ``.env`` loading, ``run``, ``routes``,
``shell`` and the app's own commands.

How the command finds the app: ``--app`` (or ``QUART_APP``) names a module or
file, optionally followed by ``:name`` or ``:factory(args)``; without it,
``app.py`` and then ``wsgi.py`` in the working directory are tried. In a
module, the app is the ``app`` or ``application`` attribute, else the only
:class:`~quart.Quart` instance, else what ``create_app()`` or ``make_app()``
returns. Whatever goes wrong is a :class:`NoAppException` saying what to do.

Before the options are parsed, ``.env`` and then ``.quartenv`` are loaded
(searched upward from the working directory) without overriding variables
that are already set, so the environment always wins.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import importlib.metadata
import inspect
import os
import platform
import re
import sys
import threading
import traceback
from collections.abc import Callable
from collections.abc import Coroutine
from operator import itemgetter
from types import ModuleType
from typing import Any
from typing import cast
from typing import Never
from typing import overload
from typing import ParamSpec
from typing import TYPE_CHECKING
from typing import TypeVar

import click
from click.core import ParameterSource

from ._appgroup import AppGroup as AppGroup
from ._devserver.discovery import _called_with_wrong_args as _called_with_wrong_args
from ._devserver.discovery import find_app_by_string as find_app_by_string
from ._devserver.discovery import find_best_app as find_best_app
from ._devserver.discovery import NoAppException as NoAppException
from ._devserver.discovery import prepare_import as prepare_import
from .globals import _current_app
from .globals import _cv_app
from .globals import current_app as current_app
from .helpers import get_debug_flag
from .helpers import get_load_dotenv

if TYPE_CHECKING:
    from .app import Quart

__all__ = [
    "AppGroup",
    "NoAppException",
    "QuartGroup",
    "ScriptInfo",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_command",
    "shell_command",
    "version_option",
    "with_appcontext",
]

F = TypeVar("F", bound=Callable[..., object])
P = ParamSpec("P")
R = TypeVar("R")

#: How the app's module is imported. Looked up here on each load, so a test
#: can patch ``quart.cli.import_module`` (as with Quart).
import_module = importlib.import_module
#: The installed version of a distribution (``--version``); patchable here.
version = importlib.metadata.version


def entry_points(**params: Any) -> Any:
    """The installed entry points (``importlib.metadata.entry_points``), looked
    up when called; the ``quart`` command finds plugin commands through this
    name, so a test can patch ``quart.cli.entry_points``."""
    return importlib.metadata.entry_points(**params)


def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Quart | None:
    """Import ``module_name`` (with :data:`import_module`) and find the app in it.

    :param module_name: The module to import.
    :param app_name: An attribute name or factory call; ``None`` to search.
    :param raise_if_not_found: Raise (rather than return ``None``) when the
        module does not exist.
    :raises NoAppException: The module fails to import, or holds no app.
    """
    try:
        module = import_module(module_name)
    except ImportError as error:
        missing = isinstance(error, ModuleNotFoundError) and (
            error.name is not None
            and (module_name == error.name or module_name.startswith(error.name + "."))
        )
        if not missing:
            # The module exists and something it imports failed: show that,
            # it is the real problem.
            raise NoAppException(
                f"While importing {module_name!r}, an ImportError was raised:\n\n"
                f"{traceback.format_exc()}"
            ) from None
        if raise_if_not_found:
            raise NoAppException(
                f"Could not import {module_name!r}. Check the name given to --app"
                " (or QUART_APP) and the working directory."
            ) from None
        return None
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


class ScriptInfo:
    """What the command knows about the app to load; the ``obj`` of the
    click context.

    :param app_import_path: ``module:name`` of the app (``--app``).
    :param create_app: A function returning the app, used instead.
    :param set_debug_flag: Apply ``QUART_DEBUG`` (set by ``--debug``) to the
        loaded app.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: Callable[..., Quart] | None = None,
        set_debug_flag: bool = True,
    ) -> None:
        #: ``module:name`` of the app.
        self.app_import_path = app_import_path
        #: A function returning the app.
        self.create_app = create_app
        #: Whether ``QUART_DEBUG`` sets the loaded app's debug flag.
        self.set_debug_flag = set_debug_flag
        #: A dict for extensions to keep data in.
        self.data: dict[Any, Any] = {}
        self._loaded_app: Quart | None = None

    def load_app(self) -> Quart:
        """Load the app (once) and return it.

        :raises NoAppException: It cannot be found or imported.
        """
        if self._loaded_app is not None:
            return self._loaded_app
        app: Quart | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            # Split on the first colon not followed by a slash: keeps
            # Windows drive letters (C:\...) with the path.
            parts = re.split(r":(?![\\/])", self.app_import_path, maxsplit=1)
            name = parts[1] if len(parts) > 1 else None
            app = locate_app(prepare_import(parts[0]), name or None)
        else:
            for filename in ("app.py", "wsgi.py"):
                if os.path.isfile(filename):
                    app = locate_app(prepare_import(filename), None, raise_if_not_found=False)
                    if app is not None:
                        break
        if app is None:
            raise NoAppException(
                "Could not locate a Quart app. Use 'quart --app module:name', set QUART_APP,"
                " or run the command where an 'app.py' or 'wsgi.py' defines it."
            )
        if self.set_debug_flag and os.environ.get("QUART_DEBUG"):
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


#: A decorator passing the :class:`ScriptInfo` to a command's callback.
pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


# -- app context for commands ------------------------------------------------


def _run_coroutine(
    factory: Callable[[], Coroutine[object, Never, R]], context: contextvars.Context
) -> R:
    """Run ``factory()`` to completion inside ``context``, on a fresh event
    loop: in this thread, or in a helper thread when a loop is already
    running here (a CLI runner called from an async test)."""

    def _run() -> R:
        with asyncio.Runner() as runner:
            return runner.run(factory(), context=context)

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run()
    results: list[R] = []
    errors: list[BaseException] = []

    def _target() -> None:
        try:
            results.append(_run())
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=_target, name="quart-cli-context")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


def _finish(result: object, context: contextvars.Context) -> object:
    """Run ``result`` on an event loop if an ``async def`` callback returned it."""
    if inspect.iscoroutine(result):
        return _run_coroutine(lambda: result, context)
    return result


def _call_in_app_context(
    app: Quart, func: Callable[P, object], *args: P.args, **kwargs: P.kwargs
) -> object:
    """Call ``func`` with the app context pushed.

    The context is pushed and popped on a short-lived event loop, but ``func``
    runs with no loop running, in a copy of the current context variables:
    so a command can call ``asyncio.run()`` itself and still see
    ``current_app`` and ``g``. A coroutine it returns (an ``async def``
    command) is run to completion in the same context.
    """
    current = _cv_app.get(None)
    if current is not None and current.app is app:
        return _finish(func(*args, **kwargs), contextvars.copy_context())
    context = contextvars.copy_context()
    app_ctx = app.app_context()
    _run_coroutine(app_ctx.push, context)
    error: BaseException | None = None
    try:
        return _finish(context.run(func, *args, **kwargs), context)
    except BaseException as raised:
        error = raised
        raise
    finally:
        _run_coroutine(lambda: app_ctx.pop(error), context)


@overload
def with_appcontext(fn: None = None) -> Callable[[F], F]: ...
@overload
def with_appcontext(fn: F) -> F: ...
def with_appcontext(fn: F | None = None) -> F | Callable[[F], F]:
    """Run a click command's callback inside the loaded app's app context.

    Usable as ``@with_appcontext`` or ``@with_appcontext()``. The callback
    may be an ``async def`` function; a plain one may call ``asyncio.run()``
    and still sees ``current_app``.
    """
    if fn is None:
        return with_appcontext

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: object, **kwargs: object) -> object:
        app = ctx.ensure_object(ScriptInfo).load_app()
        return _call_in_app_context(app, ctx.invoke, fn, *args, **kwargs)

    # Called as ``fn`` is: ``pass_context`` supplies the click context.
    return cast(F, functools.update_wrapper(decorator, fn))


def _run_async_command(func: Callable[P, object]) -> Callable[P, object]:
    """Make an ``async def`` command callback callable by click."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> object:
        return _finish(func(*args, **kwargs), contextvars.copy_context())

    return wrapper


# -- the quart group ----------------------------------------------------------


def _import_dotenv() -> ModuleType:
    # Imported by name: python-dotenv is an optional extra without type hints.
    return importlib.import_module("dotenv")


def load_dotenv(path: str | os.PathLike[str] | None = None) -> bool:
    """Load variables from a dotenv file without overriding the environment.

    Without ``path``, ``.env`` and then ``.quartenv`` are searched upward from
    the working directory (so ``.env`` wins over ``.quartenv``). Needs
    python-dotenv (``pip install quart[dotenv]``); without it a hint is
    printed when such files exist.

    :param path: Load this file only.
    :return: Whether a file was loaded.
    """
    try:
        dotenv = _import_dotenv()
    except ImportError:
        if path is not None or os.path.isfile(".env") or os.path.isfile(".quartenv"):
            click.secho(
                " * Tip: there are .env or .quartenv files present. Install python-dotenv"
                " to use them: pip install 'quart[dotenv]'.",
                fg="yellow",
                err=True,
            )
        return False
    if path is not None:
        return os.path.isfile(path) and dotenv.load_dotenv(path, encoding="utf-8")
    loaded = False
    for name in (".env", ".quartenv"):
        found = dotenv.find_dotenv(name, usecwd=True)
        if found:
            dotenv.load_dotenv(found, encoding="utf-8")
            loaded = True
    return loaded


def get_version(ctx: click.Context, param: click.Parameter, value: object) -> None:
    """The ``--version`` callback: print Python, Quart and Werkzeug versions."""
    if not value or ctx.resilient_parsing:
        return
    versions = (
        f"Python {platform.python_version()}\n"
        f"Quart {version('quart')}\n"
        f"Werkzeug {version('werkzeug')}"
    )
    click.echo(versions, color=ctx.color)
    ctx.exit()


#: The ``--version`` option of the ``quart`` command.
version_option = click.Option(
    ["--version"],
    help="Show the Quart version.",
    expose_value=False,
    callback=get_version,
    is_flag=True,
    is_eager=True,
)


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> bool | None:
    # Only an explicit choice (flag or QUART_DEBUG) is written back, so that
    # factories, `app.debug` and the reloader's child all see it.
    source = ctx.get_parameter_source(param.name or "debug")
    if value is None or source in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return value
    os.environ["QUART_DEBUG"] = "1" if value else "0"
    return value


_PRESET_ENV = "quart.preset_env"


def _load_env_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        dotenv = _import_dotenv()
    except ImportError:
        raise click.BadParameter(
            "python-dotenv must be installed to load an env file: pip install 'quart[dotenv]'.",
            ctx=ctx,
            param=param,
        ) from None
    # This file is more specific than .env/.quartenv, so it overrides what
    # they set, but never a variable that was in the environment before.
    preset = ctx.meta.get(_PRESET_ENV, frozenset(os.environ))
    for key, item in dotenv.dotenv_values(value, encoding="utf-8").items():
        if key not in preset and item is not None:
            os.environ[key] = item
    return value


#: Quart's name for the ``--env-file`` option's callback.
_env_file_callback = _load_env_file


_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    envvar="QUART_ENV_FILE",
    help="Load environment variables from this file (needs python-dotenv).",
    is_eager=True,
    expose_value=False,
    callback=_load_env_file,
)
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    envvar="QUART_APP",
    help=(
        "The app to load: 'module:name', 'module:factory(args)', a module or a file."
        " Without it, 'app.py' then 'wsgi.py' in the working directory are tried."
    ),
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)
_debug_option = click.Option(
    ["--debug/--no-debug"],
    default=None,
    envvar="QUART_DEBUG",
    help="Turn debug mode on or off (sets QUART_DEBUG).",
    expose_value=False,
    callback=_set_debug,
)

# While a `quart` command runs, a call to `app.run()` made when the app is
# imported would block the command: serving.run() checks this and skips it.
_cli_depth = 0


# Set while `quart run` calls an app's own (overridden) run(), which serves.
_cli_serving = False


def _running_from_cli() -> bool:
    return _cli_depth > 0 and not _cli_serving


class QuartGroup(AppGroup):
    """The ``quart`` command group: app options, built-in and plugin commands,
    and the app's ``app.cli`` commands.

    :param add_default_commands: Add ``run``, ``shell`` and ``routes``.
    :param create_app: A function returning the app (instead of ``--app``).
    :param add_version_option: Add ``--version``.
    :param load_dotenv: Load ``.env`` and ``.quartenv`` first
        (``QUART_SKIP_DOTENV=1`` turns it off).
    :param set_debug_flag: Apply ``--debug`` to the loaded app.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: Callable[..., Quart] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: Any,
    ) -> None:
        params = list(extra.pop("params", None) or ())
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(version_option)
        if "context_settings" not in extra:
            extra["context_settings"] = {}
        extra["context_settings"].setdefault("auto_envvar_prefix", "QUART")
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        self._loaded_plugin_commands = False
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)

    def _load_plugin_commands(self) -> None:
        if self._loaded_plugin_commands:
            return
        for entry_point in entry_points(group="quart.commands"):
            self.add_command(entry_point.load(), entry_point.name)
        self._loaded_plugin_commands = True

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A built-in or plugin command, else one of the app's commands."""
        self._load_plugin_commands()
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as error:
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
            return None
        return app.cli.get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Built-in, plugin and app command names, sorted."""
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        try:
            names.update(ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx))
        except NoAppException as error:
            # Not fatal: --help still lists the built-in commands.
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: object,
    ) -> click.Context:
        """Make the context, with a :class:`ScriptInfo` as its ``obj``."""
        global _cli_depth
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app, set_debug_flag=self.set_debug_flag
            )
        _cli_depth += 1
        try:
            ctx = super().make_context(info_name, args, parent=parent, **extra)
        except BaseException:
            _cli_depth -= 1
            raise
        ctx.call_on_close(_leave_cli)
        return ctx

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Load dotenv files, then parse; ``--app`` and ``--env-file`` from the
        environment apply before ``--help`` so it lists the app's commands."""
        ctx.meta[_PRESET_ENV] = frozenset(os.environ)
        if get_load_dotenv(self.load_dotenv):
            load_dotenv()
        if (not args and self.no_args_is_help) or "--help" in args:
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


def _leave_cli() -> None:
    global _cli_depth
    _cli_depth -= 1


# -- built-in commands -----------------------------------------------------------


@click.command("run", short_help="Run a development server.")
@click.option(
    "--host", "-h", default="127.0.0.1", envvar="QUART_RUN_HOST", help="The interface to bind to."
)
@click.option(
    "--port", "-p", default=5000, type=int, envvar="QUART_RUN_PORT", help="The port to bind to."
)
@click.option(
    "--certfile",
    "--cert",
    type=click.Path(exists=True, dir_okay=False),
    help="A TLS certificate file (serve HTTPS; needs --keyfile).",
)
@click.option(
    "--keyfile",
    "--key",
    type=click.Path(exists=True, dir_okay=False),
    help="The TLS key file for --certfile.",
)
@click.option("--debug/--no-debug", default=None, help="Turn debug mode on or off.")
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart the server when code changes (on by default in debug mode).",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    certfile: str | None,
    keyfile: str | None,
    debug: bool | None,
    reload: bool | None,
) -> None:
    """Serve the app on Hypercorn for development.

    In production, run an ASGI server directly, e.g. 'hypercorn module:app'.
    """
    if (certfile is None) != (keyfile is None):
        raise click.BadParameter(
            "--certfile and --keyfile must be given together to serve HTTPS.",
            param_hint="'--certfile' / '--keyfile'",
        )
    global _cli_serving
    app = info.load_app()
    if debug is not None:
        app.debug = debug
    use_reloader = app.debug if reload is None else reload
    from .app import Quart

    if type(app).run is not Quart.run:
        # The app's class has its own run(): serve through it, as Quart does.
        _cli_serving = True
        try:
            app.run(
                host=host,
                port=port,
                debug=app.debug,
                use_reloader=use_reloader,
                certfile=certfile,
                keyfile=keyfile,
            )
        finally:
            _cli_serving = False
        return
    from ._devserver.serving import _serve

    _serve(app, host=host, port=port, use_reloader=use_reloader, certfile=certfile, keyfile=keyfile)


@click.command("shell", short_help="Run a Python shell in the app context.")
@with_appcontext
def shell_command() -> None:
    """Run an interactive Python shell in the app context.

    Its namespace holds 'app', 'g' and what the app's shell context
    processors return; PYTHONSTARTUP is run first.
    """
    import code

    app = _current_app()
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.import_name}\n"
        f"Instance: {app.instance_path}"
    )
    namespace: dict[str, object] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup) as file:
            exec(compile(file.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())
    hook = getattr(sys, "__interactivehook__", None)
    # Only for a real terminal: the hook sets up readline history files.
    if hook is not None and sys.stdin.isatty():
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            readline.set_completer(Completer(namespace).complete)
        hook()
    code.interact(banner=banner, local=namespace)


_SORTS = ("endpoint", "methods", "domain", "rule", "match")


@click.command("routes", short_help="Show the routes of the app.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(_SORTS),
    default="endpoint",
    help="How to sort the routes ('match' is the order they were added in).",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@pass_script_info
def routes_command(info: ScriptInfo, sort: str, all_methods: bool) -> None:
    """Show every route of the app: endpoint, methods, host or subdomain, rule.

    Websocket routes show WEBSOCKET as their method.
    """
    app = info.load_app()
    rules = list(app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = app.url_map.host_matching
    rows = []
    for rule in rules:
        if getattr(rule, "websocket", False):
            methods = "WEBSOCKET"
        else:
            methods = ", ".join(sorted((rule.methods or set()) - hidden))
        domain = (rule.host if host_matching else rule.subdomain) or ""
        rows.append((rule.endpoint, methods, domain, rule.rule))
    if sort == "domain":
        rows.sort(key=itemgetter(2, 3, 0))
    elif sort != "match":
        # Ties (same methods, say) are broken by endpoint, then rule.
        rows.sort(key=itemgetter(_SORTS.index(sort), 0, 3))
    headers = ("Endpoint", "Methods", "Host" if host_matching else "Subdomain", "Rule")
    show_domain = any(row[2] for row in rows)
    columns = [0, 1, 2, 3] if show_domain else [0, 1, 3]
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in columns]
    line = "  ".join(f"{{:<{width}}}" for width in widths)
    click.echo(line.format(*(headers[i] for i in columns)).rstrip())
    click.echo(line.format(*("-" * width for width in widths)).rstrip())
    for row in rows:
        click.echo(line.format(*(row[i] for i in columns)).rstrip())


#: The ``quart`` command.
cli = QuartGroup(
    name="quart",
    help=(
        "A general utility script for Quart applications.\n\n"
        "An application to load must be given with the '--app' option, the"
        " 'QUART_APP' environment variable, or an 'app.py' or 'wsgi.py' file in"
        " the current directory."
    ),
)


def main() -> None:
    """Entry point of the ``quart`` console script (and ``python -m quart``)."""
    cli.main()
