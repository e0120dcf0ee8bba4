"""The pytest plugin: fixtures for testing a Quart app.

Installing this package registers the plugin (the ``pytest11`` entry point
``quart``); ``pytest -p no:quart`` turns it off. Define an ``app`` fixture
returning your application and these fixtures build on it:

``client``
    ``app.test_client()``.
``runner``
    ``app.test_cli_runner()``.
``test_app``
    the app with its lifespan running (``before_serving``,
    ``while_serving`` and ``after_serving`` run around the test); async.
``app_ctx``
    an app context pushed for the test; async.
``live_server``
    a :class:`LiveServer`: the app served by Hypercorn on 127.0.0.1 in a
    background thread, for browsers and real HTTP clients; its ``url``.

``@pytest.mark.quart_config(KEY=value, ...)`` sets config values on the
``app`` fixture's application for one test (or a class or module, with the
nearest marker winning), and restores them afterwards.

The async fixtures need pytest-asyncio (in its ``auto`` or ``strict`` mode);
the others work in sync tests too. A fixture of the same name in your own
``conftest.py`` replaces the plugin's, as pytest always does.

Rule for this module: import only pytest and the standard library at import
time. pytest loads the plugin in every project that has this package
installed, so anything else is imported inside the fixture that needs it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import AsyncIterator
from collections.abc import Callable
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from click.testing import CliRunner

    from ..app import Quart
    from ..ctx import AppContext
    from ..typing import ASGIReceiveCallable
    from ..typing import ASGISendCallable
    from ..typing import ASGISendEvent
    from ..typing import Scope
    from ..typing import TestAppProtocol
    from ..typing import TestClientProtocol

__all__ = ["DEFAULT_TIMEOUT", "LiveServer", "LiveServerError"]

#: Seconds a live server is given to start (lifespan included) or to stop.
DEFAULT_TIMEOUT = 10.0

_MARKER = "quart_config"

# Seconds Hypercorn lets open connections (a browser's websocket) finish when
# the server stops, before it closes them.
_GRACE = 1.0


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``quart_config`` marker (so ``--strict-markers`` accepts it)."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**values): set these config values on the `app` fixture's app for the test.",
    )


def _async_fixture(function: Callable[..., AsyncIterator[object]]) -> object:
    """A pytest-asyncio fixture, or one that says pytest-asyncio is missing."""
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - pytest-asyncio is a test dependency
        pass
    else:
        return pytest_asyncio.fixture(function)

    def missing() -> None:  # pragma: no cover
        pytest.fail(
            f"the {function.__name__!r} fixture is async: install pytest-asyncio "
            "(pip install pytest-asyncio) to use it"
        )

    missing.__name__ = function.__name__
    missing.__doc__ = function.__doc__
    return pytest.fixture(name=function.__name__)(missing)


@pytest.fixture
def app() -> Quart:
    """Your application: define an ``app`` fixture in ``conftest.py`` returning it.

    The plugin's own ``app`` only fails with that advice.
    """
    pytest.fail(
        "the quart plugin's fixtures need an `app` fixture: define one in conftest.py "
        "that returns your Quart app (for example `return create_app()`)",
        pytrace=False,
    )


@pytest.fixture(autouse=True)
def _quart_config_marker(request: pytest.FixtureRequest) -> None:
    """Apply ``@pytest.mark.quart_config(...)`` to the ``app`` fixture's config."""
    markers = list(request.node.iter_markers(_MARKER))
    # A test that does not use the app (even through another fixture) is left
    # alone: a module-wide marker does not build the app for every test.
    if not markers or "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    # iter_markers yields the nearest first (function, class, module): apply
    # the farthest first so that the nearest wins.
    for marker in reversed(markers):
        if marker.args:
            raise pytest.UsageError(
                f"@pytest.mark.{_MARKER} takes keyword arguments only "
                f"(KEY=value), not {marker.args!r}"
            )
        for key, value in marker.kwargs.items():
            monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def client(app: Quart) -> TestClientProtocol:
    """``app.test_client()``: requests to the app without a server (``await client.get("/")``)."""
    return app.test_client()


@pytest.fixture
def runner(app: Quart) -> CliRunner:
    """``app.test_cli_runner()``: invoke the app's CLI commands (``runner.invoke(args=[...])``)."""
    return app.test_cli_runner()


@_async_fixture
async def test_app(app: Quart) -> AsyncIterator[TestAppProtocol]:
    """The app with its lifespan running for the test (``before_serving`` ran, and
    ``after_serving`` runs after); ``test_app.test_client()`` gives a client."""
    async with app.test_app() as started:
        yield started


@_async_fixture
async def app_ctx(app: Quart) -> AsyncIterator[AppContext]:
    """An app context pushed for the test (``current_app``, ``g``, ``url_for`` work)."""
    async with app.app_context() as context:
        yield context


@pytest.fixture
def live_server(app: Quart) -> Iterator[LiveServer]:
    """The app served by Hypercorn on a free 127.0.0.1 port for the test.

    Its lifespan runs; ``live_server.url`` is ``http://127.0.0.1:<port>``. The
    server runs in a thread of its own, so sync tests (a browser driven
    through a sync API) and async tests can both use it. A failure to start
    or to stop fails the test with the server's error.
    """
    with LiveServer(app) as server:
        yield server


class LiveServerError(RuntimeError):
    """A live server failed to start, failed while serving, or did not stop."""


class LiveServer:
    """An app served by Hypercorn on 127.0.0.1, in a background thread.

    ``with LiveServer(app) as server:`` starts it (returning once the app's
    startup has completed) and stops it (after the app's shutdown). Use it
    directly for a server shared by several tests, for example in a
    module-scoped fixture of your own.

    :param app: The application (any ASGI app works).
    :param host: The address to listen on.
    :param timeout: Seconds allowed to start and to stop.
    """

    def __init__(
        self, app: Quart, *, host: str = "127.0.0.1", timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.app = app
        self.host = host
        self.timeout = timeout
        #: The port the server listens on (known once started).
        self.port = 0
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._lifespan_failure: str | None = None
        # Hypercorn wraps the listening socket only once the app's startup
        # has completed; until then it is ours to close.
        self._socket_taken = False
        self._abandoned = False

    @property
    def url(self) -> str:
        """The server's base URL, without a trailing slash: ``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Start serving; return once the app's startup completed.

        :raises LiveServerError: startup failed or did not finish in time.
        """
        if self._thread is not None:
            raise RuntimeError("this live server was already started")
        # Hypercorn is imported here, not in the thread: ``timeout`` bounds the
        # app's startup, not the import (``import quart`` does not load it).
        import hypercorn.asyncio  # noqa: F401

        # Bind before the thread starts: the port is known, and connections
        # wait in the backlog until Hypercorn accepts them (no race).
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, 0))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        self._thread = threading.Thread(
            target=self._run, args=(listener.detach(),), name=f"live-server-{self.port}"
        )
        self._thread.daemon = True  # never keeps a failed test session alive
        self._thread.start()
        if not self._ready.wait(self.timeout):
            self._abandon()
            # Hypercorn gives up on the startup after the same timeout: let
            # the thread close its loop and the socket before saying so, so
            # that nothing is left open behind the error (bounded: a startup
            # that ignores its cancellation keeps the daemon thread).
            self._thread.join(self.timeout + 2)
            raise LiveServerError(f"the live server did not start within {self.timeout} s")
        if self._error is not None or self._lifespan_failure is not None:
            self._thread.join(self.timeout)
            raise LiveServerError(
                f"the live server failed to start: {self._describe_failure()}"
            ) from self._error

    def stop(self) -> None:
        """Stop serving (the app's shutdown runs) and wait for the thread to end.

        :raises LiveServerError: the server failed while serving or stopping,
            or did not stop in time.
        """
        thread = self._thread
        if thread is None:
            return
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and thread.is_alive():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # the loop closed meanwhile: the server has ended
                pass
        # Hypercorn gives open connections their grace period, then the app's
        # shutdown its timeout: wait for both, and a little more.
        thread.join(self.timeout + _GRACE + 2)
        if thread.is_alive():
            raise LiveServerError(f"the live server did not stop within {self.timeout} s")
        if self._error is not None or self._lifespan_failure is not None:
            raise LiveServerError(
                f"the live server failed: {self._describe_failure()}"
            ) from self._error

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<LiveServer {self.url}>"

    # -- the server thread --------------------------------------------------
    #
    # The thread runs its own event loop: the test's thread is free to block
    # (a sync browser API) or to run its own loop (an async test). The thread
    # records any error; start() and stop() raise it in the test's thread,
    # after bounded waits.

    def _run(self, fd: int) -> None:
        try:
            asyncio.run(self._serve(fd))
        except BaseException as error:  # reported by start() or stop()
            self._error = error
        finally:
            if not self._socket_taken:
                # A failed or hung startup: Hypercorn never took the socket.
                os.close(fd)
            self._ready.set()

    async def _serve(self, fd: int) -> None:
        from hypercorn.asyncio import serve
        from hypercorn.config import Config

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if self._abandoned:  # start() gave up before the loop was known
            self._stop.set()
        config = Config()
        config.bind = [f"fd://{fd}"]
        config.accesslog = None
        config.errorlog = logging.getLogger("quart.live_server")
        config.startup_timeout = config.shutdown_timeout = self.timeout
        config.graceful_timeout = _GRACE
        await serve(self._asgi, config, shutdown_trigger=self._stop.wait, mode="asgi")

    async def _asgi(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def watched_send(message: ASGISendEvent) -> None:
            # The lifespan's replies tell start() when (and whether) it started.
            if message["type"].endswith(".failed"):
                self._lifespan_failure = f"{message['type']}: {message.get('message', '')}"
            elif message["type"] == "lifespan.startup.complete":
                self._socket_taken = True
            await send(message)
            if message["type"].startswith("lifespan.startup."):
                self._ready.set()

        await self.app(scope, receive, watched_send)

    def _describe_failure(self) -> str:
        if self._lifespan_failure is not None:
            return self._lifespan_failure
        return repr(self._error)

    def _abandon(self) -> None:
        self._abandoned = True  # set first: _serve() checks it after setting _loop
        if self._loop is not None and self._stop is not None:
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:
                pass
