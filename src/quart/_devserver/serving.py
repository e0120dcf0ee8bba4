"""Serving the app on Hypercorn for development: ``app.run()``, ``app.run_task()``
and ``quart run``.

How ``run`` works: with the reloader on, this process only supervises (see
:mod:`quart._devserver.reloader`) and a child process serves. The serving process runs
Hypercorn on its own event loop until SIGINT/SIGTERM (a graceful shutdown:
open requests finish, then the lifespan shutdown runs) or, in a reloader
child, until a module file changes. The same signal a second time falls back
to the default behaviour, to get out of a shutdown that hangs. A startup that fails
(a ``before_serving`` function raising, the port in use) exits with status 1,
where Hypercorn itself would exit 0.

Logs: Hypercorn's error log goes to ``app.logger`` and its access log to the
``<app name>.access`` child logger (shown with the app logger's handlers and
level), never to handlers of their own. Text from the client is escaped in
access lines so one request is one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import warnings
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Coroutine
from collections.abc import Mapping
from typing import Any
from typing import TYPE_CHECKING

from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig
from hypercorn.logging import AccessLogAtoms
from hypercorn.logging import Logger as HypercornLogger

from .._concurrency import create_task
from ..asgi._websocket_serve import close_open_websockets
from ..logging import escape_control_characters
from .reloader import is_running_from_reloader
from .reloader import RELOAD_EXIT_CODE
from .reloader import reloader_argv
from .reloader import run_reloader
from .reloader import wait_for_change_or

if TYPE_CHECKING:
    from hypercorn.typing import ResponseSummary

    from ..app import Quart
    from ..typing import WWWScope

__all__ = ["run", "run_task"]

#: Quart's access log line: client, request line, status, size, microseconds.
ACCESS_LOG_FORMAT = "%(h)s %(r)s %(s)s %(b)s %(D)s"


class _EscapedAtoms(AccessLogAtoms):
    """Access log values with control characters escaped (a path may hold a
    percent-decoded newline; a header, an escape sequence)."""

    # Any, as the base's values are: Hypercorn annotates them str, but "T" and
    # "D" are ints and "h" may be None.
    def __getitem__(self, key: str) -> Any:
        value: object = super().__getitem__(key)
        if isinstance(value, str):
            return escape_control_characters(value)
        return value


class _EscapingLogger(HypercornLogger):
    """Hypercorn's logger, with escaped access log values."""

    def atoms(
        self, request: WWWScope, response: ResponseSummary | None, request_time: float
    ) -> Mapping[str, str]:
        """The access log values, escaped."""
        return _EscapedAtoms(request, response, request_time)


def _bind(host: str, port: int) -> str:
    if host.startswith(("unix:", "fd:")):
        return host
    if ":" in host and not host.startswith("["):
        return f"[{host}]:{port}"  # IPv6
    return f"{host}:{port}"


def _hypercorn_config(
    app: Quart,
    host: str,
    port: int,
    ca_certs: str | None,
    certfile: str | None,
    keyfile: str | None,
) -> HypercornConfig:
    config = HypercornConfig()
    config.access_log_format = ACCESS_LOG_FORMAT
    config.accesslog = app.logger.getChild("access")
    config.errorlog = app.logger
    config.logger_class = _EscapingLogger
    config.bind = [_bind(host, port)]
    config.ca_certs = ca_certs
    config.certfile = certfile
    config.keyfile = keyfile
    return config


def run_task(
    app: Quart,
    host: str = "127.0.0.1",
    port: int = 5000,
    debug: bool | None = None,
    ca_certs: str | None = None,
    certfile: str | None = None,
    keyfile: str | None = None,
    shutdown_trigger: Callable[..., Awaitable[None]] | None = None,
) -> Coroutine[None, None, None]:
    """A coroutine that serves ``app`` on Hypercorn in the running event loop
    until ``shutdown_trigger`` returns (by default, until SIGINT or SIGTERM).

    :param host: The interface, or ``unix:PATH`` / ``fd:N``.
    :param port: The port.
    :param debug: Set the app's debug mode.
    :param ca_certs: CA certificates to verify clients with.
    :param certfile: TLS certificate (serves HTTPS with ``keyfile``).
    :param keyfile: TLS private key.
    :param shutdown_trigger: Awaited; serving stops gracefully when it returns
        (by default on SIGINT or SIGTERM): no new connection is accepted, open
        websockets are closed with 1001 (going away), and requests in flight
        get Hypercorn's graceful timeout (3 s) to finish before they are
        cancelled; then the lifespan shutdown (``after_serving``) runs.
    """
    if debug is not None:
        app.debug = debug
    config = _hypercorn_config(app, host, port, ca_certs, certfile, keyfile)
    return _serve_then_close_websockets(app, config, shutdown_trigger or _until_signalled)


async def _until_signalled() -> None:
    """Return on SIGINT or SIGTERM (Hypercorn's own default trigger)."""
    loop = asyncio.get_running_loop()
    event = asyncio.Event()
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            loop.add_signal_handler(signum, event.set)
        except (NotImplementedError, RuntimeError):
            signal.signal(signum, lambda *_: loop.call_soon_threadsafe(event.set))
    await event.wait()


async def _serve_then_close_websockets(
    app: Quart, config: HypercornConfig, shutdown_trigger: Callable[..., Awaitable[None]]
) -> None:
    """Serve until ``shutdown_trigger`` returns; then, while Hypercorn stops
    accepting and waits (up to its graceful timeout) for connections to end,
    close every open websocket with 1001 (going away) so they do end."""
    closing: asyncio.Task[None] | None = None

    async def _trigger() -> None:
        nonlocal closing
        await shutdown_trigger()
        closing = create_task(close_open_websockets(app))

    try:
        await serve(app, config, shutdown_trigger=_trigger)
    finally:
        if closing is not None and not closing.done():
            closing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await closing


def run(
    app: Quart,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    use_reloader: bool = True,
    loop: asyncio.AbstractEventLoop | None = None,
    ca_certs: str | None = None,
    certfile: str | None = None,
    keyfile: str | None = None,
    **kwargs: object,
) -> None:
    """Serve ``app`` for development until interrupted (``app.run()``).

    The host and port default to ``SERVER_NAME``, else ``127.0.0.1:5000``.
    Exits with status 1 when startup fails. Does nothing (but say so) when
    called while the ``quart`` command loads the app, which serves it itself.

    :param use_reloader: Restart when a module's file changes.
    :param loop: The event loop to serve on (a new one by default).
    """
    if kwargs:
        warnings.warn(
            f"app.run() ignores these unsupported arguments: {', '.join(kwargs)}.",
            stacklevel=3,
        )
    from ..cli import _running_from_cli

    if _running_from_cli():
        print(
            " * Ignoring a call to 'app.run()' made while the 'quart' command loads"
            " the app; guard it with 'if __name__ == \"__main__\":'.",
            file=sys.stderr,
        )
        return
    server_name = app.config.get("SERVER_NAME")
    name_host, _, name_port = (server_name or "").rpartition(":")
    if not name_port.isdigit():
        name_host, name_port = server_name or "", ""
    _serve(
        app,
        host=host or name_host or "127.0.0.1",
        port=port or int(name_port or 5000),
        debug=debug,
        use_reloader=use_reloader,
        loop=loop,
        ca_certs=ca_certs,
        certfile=certfile,
        keyfile=keyfile,
    )


def _serve(
    app: Quart,
    *,
    host: str,
    port: int,
    debug: bool | None = None,
    use_reloader: bool = False,
    loop: asyncio.AbstractEventLoop | None = None,
    ca_certs: str | None = None,
    certfile: str | None = None,
    keyfile: str | None = None,
) -> None:
    """Serve (or supervise a reloader child), then exit with a non-zero
    status if serving failed."""
    if debug is not None:
        app.debug = debug
    if use_reloader and not is_running_from_reloader():
        if reloader_argv() is not None:
            sys.exit(run_reloader())
        print(" * The reloader is off: this program cannot be re-run.", file=sys.stderr)
        use_reloader = False
    scheme = "https" if certfile is not None and keyfile is not None else "http"
    address = host if host.startswith(("unix:", "fd:")) else f"{scheme}://{_bind(host, port)}"
    banner = (
        f" * Serving Quart app '{app.name}'\n"
        f" * Debug mode: {'on' if app.debug else 'off'}\n"
        " * Please use an ASGI server (e.g. Hypercorn) directly in production\n"
        f" * Running on {address} (CTRL + C to quit)"
    )
    print(banner, flush=True)
    if app.debug and not app.logger.level:
        app.logger.setLevel("DEBUG")
    code = _serve_until_stopped(
        app, host, port, use_reloader, loop, ca_certs=ca_certs, certfile=certfile, keyfile=keyfile
    )
    if code:
        sys.exit(code)


def _serve_until_stopped(
    app: Quart,
    host: str,
    port: int,
    use_reloader: bool,
    loop: asyncio.AbstractEventLoop | None,
    *,
    ca_certs: str | None,
    certfile: str | None,
    keyfile: str | None,
) -> int:
    """Run the server; return the exit status (0, 1, or the reload code)."""
    owns_loop = loop is None
    if loop is None:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stop = asyncio.Event()
    reload_requested: list[bool] = []
    handled = _install_signal_handlers(loop, stop)

    async def _trigger() -> None:
        if use_reloader:
            if await wait_for_change_or(stop):
                reload_requested.append(True)
                print(" * Detected a change, reloading", file=sys.stderr, flush=True)
        else:
            await stop.wait()

    try:
        loop.run_until_complete(
            run_task(
                app,
                host,
                port,
                ca_certs=ca_certs,
                certfile=certfile,
                keyfile=keyfile,
                shutdown_trigger=_trigger,
            )
        )
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        print(f" * Serving failed: {error}", file=sys.stderr)
        return 1
    finally:
        _remove_signal_handlers(loop, handled)
        _finish_loop(loop, close=owns_loop)
    return RELOAD_EXIT_CODE if reload_requested else 0


def _install_signal_handlers(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> list[int]:
    received: set[int] = set()

    def _on_signal(signum: int) -> None:
        if signum in received:
            # The same signal again: fall back to the default behaviour
            # (KeyboardInterrupt, termination) to escape a hung shutdown.
            # Removing the loop's handler restores the default one.
            try:
                loop.remove_signal_handler(signum)
            except (NotImplementedError, RuntimeError):
                signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
            return
        received.add(signum)
        stop.set()

    handled = []
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        signum = getattr(signal, name, None)
        if signum is None:
            continue
        try:
            loop.add_signal_handler(signum, _on_signal, signum)
        except (NotImplementedError, RuntimeError):
            # Windows loops have no add_signal_handler.
            signal.signal(signum, lambda number, _: loop.call_soon_threadsafe(_on_signal, number))
        handled.append(signum)
    return handled


def _remove_signal_handlers(loop: asyncio.AbstractEventLoop, handled: list[int]) -> None:
    for signum in handled:
        try:
            loop.remove_signal_handler(signum)
        except (NotImplementedError, RuntimeError):
            signal.signal(signum, signal.SIG_DFL)
        if is_running_from_reloader():
            # A reloader child exits as soon as the server has stopped; the
            # parent's forwarded copy of the stop signal may arrive only now,
            # and must not turn a clean exit into "killed by SIGTERM" (143).
            signal.signal(signum, signal.SIG_IGN)


def _finish_loop(loop: asyncio.AbstractEventLoop, close: bool) -> None:
    """Cancel what is left on the loop, then close it if we made it."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_asyncgens())
    if close:
        asyncio.set_event_loop(None)
        loop.close()
