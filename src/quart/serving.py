"""Serving the app on Hypercorn: ``app.run()`` and ``app.run_task()``."""

from __future__ import annotations

import asyncio
import signal
import sys
import warnings
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Coroutine
from typing import TYPE_CHECKING
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig

if TYPE_CHECKING:
    from .app import Quart

__all__ = ["run", "run_task"]


def _config(
    app: Quart,
    host: str,
    port: int,
    debug: bool | None,
    ca_certs: str | None,
    certfile: str | None,
    keyfile: str | None,
) -> HypercornConfig:
    config = HypercornConfig()
    config.access_log_format = "%(h)s %(r)s %(s)s %(b)s %(D)s"
    config.accesslog = app.logger
    config.errorlog = app.logger
    if host.startswith(("unix:", "fd:")):
        config.bind = [host]
    else:
        config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.ca_certs = ca_certs
    config.certfile = certfile
    config.keyfile = keyfile
    if debug is not None:
        app.debug = debug
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
    """A coroutine that serves ``app`` until ``shutdown_trigger`` returns."""
    config = _config(app, host, port, debug, ca_certs, certfile, keyfile)
    return serve(app, config, shutdown_trigger=shutdown_trigger)  # type: ignore[arg-type]


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
    **kwargs: Any,
) -> None:
    """Serve ``app`` until interrupted (Ctrl-C or SIGTERM shut down gracefully).

    A failing startup makes this exit with status 1.
    """
    if kwargs:
        warnings.warn(f"Additional arguments, {','.join(kwargs)}, are not supported.", stacklevel=3)
    server_name = app.config.get("SERVER_NAME")
    sn_host = sn_port = None
    if server_name:
        sn_host, _, sn_port = server_name.partition(":")
    host = host or sn_host or "127.0.0.1"
    port = port or int(sn_port or 5000)
    if loop is None:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    shutdown = asyncio.Event()

    def _stop(*_: Any) -> None:
        shutdown.set()

    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            try:
                loop.add_signal_handler(getattr(signal, name), _stop)
            except (NotImplementedError, RuntimeError):
                signal.signal(getattr(signal, name), _stop)

    scheme = "https" if certfile is not None and keyfile is not None else "http"
    print(f" * Serving Quart app '{app.name}'")  # noqa: T201
    print(f" * Debug mode: {app.debug if debug is None else debug}")  # noqa: T201
    print(" * Please use an ASGI server (e.g. Hypercorn) directly in production")  # noqa: T201
    print(f" * Running on {scheme}://{host}:{port} (CTRL + C to quit)")  # noqa: T201
    task = run_task(app, host, port, debug, ca_certs, certfile, keyfile, shutdown_trigger=shutdown.wait)
    try:
        loop.run_until_complete(task)
    except Exception as error:
        print(f"Error: {error}", file=sys.stderr)  # noqa: T201
        sys.exit(1)
    finally:
        loop.close()
