"""Mount other apps under URL prefixes: ASGI apps, and WSGI apps such as Flask.

:class:`DispatcherMiddleware` sends each HTTP request and websocket to the
app mounted at the longest prefix of its path, and everything else to the
main app. It is the way to move a Flask (or Django) app to this framework
one route at a time: mount the old app at ``/legacy`` (or at ``/``-level
prefixes it owns) and port its routes to the Quart app as you go::

    from flask import Flask
    from quart import Quart
    from quart.middleware import DispatcherMiddleware

    app = Quart(__name__)
    legacy = Flask(__name__)

    app.asgi_app = DispatcherMiddleware(app.asgi_app, {"/legacy": legacy})

Wrapping ``app.asgi_app`` (rather than ``app``) keeps ``app`` the object the
server is given, so ``app.run()``, the lifespan and the test client all go
through the dispatcher.

Paths follow the ASGI spec: a mounted app gets ``root_path`` extended by its
prefix and ``path`` unchanged (``path`` always includes ``root_path``). A
mounted Quart app thus sees ``request.path`` without the prefix and builds
URLs with it; a WSGI app gets the prefix as ``SCRIPT_NAME`` and the rest as
``PATH_INFO``, so Flask's ``url_for`` includes the prefix too.

WSGI apps run through :class:`WSGIAdapter` (built on the ``a2wsgi`` package,
``pip install quart[wsgi]``) in a bounded pool of threads, with request
bodies read from the client as the WSGI app reads them and response bodies
sent as the app yields them.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import threading
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any
from typing import cast
from typing import Literal
from typing import TYPE_CHECKING
from urllib.parse import quote
from wsgiref.types import StartResponse
from wsgiref.types import WSGIEnvironment

from ._concurrency import create_task
from .typing import ASGIReceiveCallable
from .typing import ASGISendCallable

if TYPE_CHECKING:
    from .typing import ASGIReceiveEvent
    from .typing import ASGISendEvent
    from .typing import HTTPScope
    from .typing import LifespanScope
    from .typing import Scope
    from .typing import WWWScope

__all__ = ["DispatcherMiddleware", "WSGIAdapter", "is_asgi_app"]

ASGIApp = Callable[["Scope", ASGIReceiveCallable, ASGISendCallable], Awaitable[None]]
#: A WSGI application: ``app(environ, start_response)`` returning the body's chunks.
WSGIApp = Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]
_ASGIAdapter = Callable[
    [Mapping[str, object], ASGIReceiveCallable, ASGISendCallable], Awaitable[None]
]

#: Threads per mounted WSGI app unless told otherwise: WSGI requests served at once.
DEFAULT_WSGI_WORKERS = 10


class WSGIAdapter:
    """An ASGI app that serves a WSGI app (Flask, Django...) in a thread pool.

    Each HTTP request runs the WSGI app in one of ``workers`` threads; more
    requests at once wait for a free thread (without reading their bodies
    meanwhile). ``wsgi.input`` reads the request body from the client as the
    app reads it, so an upload is never held whole in memory unless the app
    reads it whole; the response's chunks are sent as the app yields them,
    with at most a few waiting, so a slow client slows the app's generator
    rather than filling memory.

    A websocket is refused (the client gets HTTP 403: WSGI has no
    websockets), and the lifespan protocol completes at once (WSGI has no
    startup or shutdown).

    The environ follows the ASGI scope: ``SCRIPT_NAME`` is the ``root_path``
    (an ``SCRIPT_NAME`` environment variable does not override it),
    ``PATH_INFO`` the path under it, and ``wsgi.input_terminated`` is set,
    since the server has already decoded any chunked body.

    Needs the ``a2wsgi`` package (``pip install quart[wsgi]``).

    :param app: The WSGI app.
    :param workers: The size of the thread pool, so the number of requests
        the WSGI app serves at once.
    """

    def __init__(self, app: WSGIApp, *, workers: int = DEFAULT_WSGI_WORKERS) -> None:
        count: object = workers
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError(f"workers must be a number of threads (1 or more), not {workers!r}.")
        try:
            from a2wsgi import WSGIMiddleware
        except ImportError:  # pragma: no cover - a2wsgi is in the test extra
            raise ImportError(
                "Serving a WSGI app needs the a2wsgi package: pip install 'quart[wsgi]'."
            ) from None
        #: The WSGI app served.
        self.app = app
        #: The number of threads serving it.
        self.workers = workers
        adapter = WSGIMiddleware(_with_asgi_environ(app), workers=workers)  # type: ignore[arg-type]
        # a2wsgi declares ASGI's messages as TypedDicts of its own, apart from
        # Hypercorn's: the adapter is called with the scope and channels here.
        self._adapter = cast("_ASGIAdapter", adapter)

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Serve one ASGI connection: HTTP through the WSGI app."""
        if scope["type"] == "http":
            await self._serve_http(scope, receive, send)
        elif scope["type"] == "websocket":
            # Closing before accepting refuses the handshake (the server answers 403).
            await send({"type": "websocket.close", "code": 1000, "reason": ""})
        elif scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return

    async def _serve_http(
        self, scope: HTTPScope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        # The client's messages are read here all along (at most one waiting
        # for the WSGI app), so a disconnect is seen even while the app only
        # writes; the app's iterable then stops at its next chunk.
        disconnected = threading.Event()
        inbox: asyncio.Queue[ASGIReceiveEvent] = asyncio.Queue(maxsize=1)

        async def pump() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    disconnected.set()
                    await inbox.put(message)
                    return
                await inbox.put(message)

        async def send_while_connected(message: ASGISendEvent) -> None:
            if disconnected.is_set():
                return
            try:
                await send(message)
            except OSError:  # Servers that raise once the client has gone.
                disconnected.set()

        wsgi_scope: dict[str, object] = dict(scope)
        wsgi_scope[_DISCONNECTED] = disconnected
        reader = create_task(pump())
        try:
            await self._adapter(wsgi_scope, inbox.get, send_while_connected)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


#: The scope key of the per-request ``threading.Event`` set when the client leaves.
_DISCONNECTED = "quart.wsgi_disconnected"


class _UntilDisconnect:
    """A WSGI response iterable that stops once the client has gone."""

    def __init__(self, iterable: Iterable[bytes], disconnected: threading.Event) -> None:
        self._iterable = iterable
        self._iterator: Iterator[bytes] | None = None
        self._disconnected = disconnected

    def __iter__(self) -> _UntilDisconnect:
        return self

    def __next__(self) -> bytes:
        if self._disconnected.is_set():
            raise StopIteration
        if self._iterator is None:
            self._iterator = iter(self._iterable)
        return next(self._iterator)

    def close(self) -> None:
        """Close the app's iterable, as a WSGI server must."""
        close = getattr(self._iterable, "close", None)
        if close is not None:
            close()


def _with_asgi_environ(app: WSGIApp) -> WSGIApp:
    """``app`` with the environ's paths taken from the ASGI scope as mounted,
    and its response stopped when the client disconnects."""

    def call(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        scope = environ["asgi.scope"]
        disconnected: threading.Event = scope[_DISCONNECTED]
        if disconnected.is_set():  # Gone while waiting for a thread.
            start_response("400 Bad Request", [("Content-Length", "0")])
            return []
        root_path = scope.get("root_path", "")
        path = scope["path"]
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        # WSGI strings are bytes as latin-1 (PEP 3333); ASGI paths are decoded UTF-8.
        environ["SCRIPT_NAME"] = root_path.encode("utf-8", "surrogateescape").decode("latin-1")
        environ["PATH_INFO"] = path.encode("utf-8", "surrogateescape").decode("latin-1")
        environ["wsgi.input_terminated"] = True
        environ["wsgi.errors"] = sys.stderr
        return _UntilDisconnect(app(environ, start_response), disconnected)

    return call


class DispatcherMiddleware:
    """ASGI middleware sending requests under a prefix to another app.

    The app mounted at the longest prefix of the request's path (under the
    scope's ``root_path``) gets the HTTP request or websocket: ``/legacy``
    matches ``/legacy`` and ``/legacy/...`` but not ``/legacyx``. Anything
    else goes to ``app``, so an unknown path is the main app's 404.

    The mounted app gets the scope with ``root_path`` extended by the
    prefix and ``path`` unchanged, as the ASGI spec puts a mount point. A
    request for exactly the prefix (``/legacy``) of an ASGI app is
    redirected (308) to the prefix with a slash (``/legacy/``), as Flask
    redirects to its ``/`` rule; a WSGI app gets it with an empty
    ``PATH_INFO``, as a WSGI dispatcher passes it.

    A mounted value may be an ASGI app (``async def app(scope, receive,
    send)``, a Quart or Starlette app...) or a WSGI app (``app(environ,
    start_response)``, a Flask or Django app...), told apart by whether it is
    a coroutine function; a WSGI app is wrapped in :class:`WSGIAdapter` with
    ``wsgi_workers`` threads. Wrap it yourself to choose per app.

    The lifespan protocol goes to the main app and, unless
    ``mount_lifespan`` is false, to every mounted ASGI app too, so a mounted
    Quart app's ``before_serving`` and ``after_serving`` run: startup in
    order (main app first), shutdown in reverse. A mounted app that does not
    support the lifespan (raises on it) is left out; one whose startup fails
    fails the startup, after the apps already started are shut down.

    :param app: The main ASGI app (``app.asgi_app``).
    :param mounts: Prefix (``"/legacy"``) to app. A trailing slash is
        ignored; ``"/"`` is not a prefix (that is the main app).
    :param wsgi_workers: Threads for each mounted WSGI app.
    :param mount_lifespan: Whether mounted ASGI apps get the lifespan.
    """

    def __init__(
        self,
        app: ASGIApp,
        mounts: Mapping[str, Any] | None = None,
        *,
        wsgi_workers: int = DEFAULT_WSGI_WORKERS,
        mount_lifespan: bool = True,
    ) -> None:
        #: The main ASGI app.
        self.app = app
        #: Prefix to mounted ASGI app (WSGI apps appear wrapped in :class:`WSGIAdapter`).
        self.mounts: dict[str, ASGIApp] = {}
        self.wsgi_workers = wsgi_workers
        self.mount_lifespan = mount_lifespan
        for prefix, mounted in (mounts or {}).items():
            self.mount(prefix, mounted)

    def mount(self, prefix: str, app: Any) -> None:
        """Mount ``app`` (ASGI or WSGI) at ``prefix`` (``"/legacy"``).

        :raises ValueError: For a prefix that is not a path below ``/``, or
            one already mounted.
        """
        normalised = prefix.rstrip("/")
        if not prefix.startswith("/") or not normalised or "?" in prefix or "#" in prefix:
            raise ValueError(f"A mount prefix is a path such as '/legacy', not {prefix!r}.")
        if normalised in self.mounts:
            raise ValueError(f"An app is already mounted at {normalised!r}.")
        if not is_asgi_app(app):
            app = WSGIAdapter(app, workers=self.wsgi_workers)
        self.mounts[normalised] = app

    async def __call__(
        self, scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable
    ) -> None:
        """Serve one ASGI connection with the app its path is mounted at."""
        if scope["type"] == "http" or scope["type"] == "websocket":
            found = self._find(scope)
            if found is not None:
                prefix, mounted, inner = found
                if (
                    inner == prefix
                    and scope["type"] == "http"
                    and not isinstance(mounted, WSGIAdapter)
                ):
                    await _redirect_to_slash(scope, send)
                    return
                inner_scope = scope.copy()
                inner_scope["root_path"] = scope.get("root_path", "") + prefix
                await mounted(inner_scope, receive, send)
                return
        elif self.mount_lifespan and scope["type"] == "lifespan":
            apps = [
                mounted for mounted in self.mounts.values() if not isinstance(mounted, WSGIAdapter)
            ]
            if apps:
                await _Lifespans(scope, [self.app, *apps]).serve(receive, send)
                return
        await self.app(scope, receive, send)

    def _find(self, scope: WWWScope) -> tuple[str, ASGIApp, str] | None:
        """The prefix, app and path under ``root_path`` of the mount for ``scope``."""
        if not self.mounts:
            return None
        path: str = scope["path"]
        root_path: str = scope.get("root_path", "")
        if root_path:
            if not path.startswith(root_path) or path[len(root_path) : len(root_path) + 1] != "/":
                return None  # Outside the root path: the main app answers 404.
            path = path[len(root_path) :]
        candidate = path
        # "/a/b/c", then "/a/b", then "/a": the longest mounted prefix wins.
        while candidate:
            mounted = self.mounts.get(candidate)
            if mounted is not None:
                return candidate, mounted, path
            candidate = candidate[: candidate.rfind("/")]
        return None


def is_asgi_app(app: object) -> bool:
    """Whether ``app`` is an ASGI app rather than a WSGI one.

    An ``async def`` function or an object whose ``__call__`` is one is ASGI;
    any other callable taking two positional arguments is WSGI, and one taking
    three is ASGI. For anything else this raises :class:`TypeError`: wrap a
    WSGI app in :class:`WSGIAdapter`, or an ASGI one in an ``async def``.
    """
    if isinstance(app, WSGIAdapter | DispatcherMiddleware):
        return True
    if not callable(app):
        raise TypeError(f"{app!r} is not an ASGI or WSGI app (not callable).")
    if inspect.iscoroutinefunction(app) or inspect.iscoroutinefunction(
        getattr(app, "__call__", None)  # noqa: B004 - the bound __call__ of an instance
    ):
        return True
    try:
        parameters = list(inspect.signature(app).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    if parameters:
        kinds = {parameter.kind for parameter in parameters}
        positional = [
            parameter
            for parameter in parameters
            if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD)
        ]
        if inspect.Parameter.VAR_POSITIONAL not in kinds and len(positional) in (2, 3):
            return len(positional) == 3
    raise TypeError(
        f"Cannot tell whether {app!r} is an ASGI or a WSGI app: wrap a WSGI app in "
        "quart.middleware.WSGIAdapter, an ASGI app in an async def."
    )


async def _redirect_to_slash(scope: HTTPScope, send: ASGISendCallable) -> None:
    raw_path = scope.get("raw_path")
    if raw_path:
        location = raw_path.decode("latin-1") + "/"
    else:
        location = quote(scope["path"], safe="/:@!$&'()*+,;=-._~") + "/"
    if scope.get("query_string"):
        location += "?" + scope["query_string"].decode("latin-1")
    body = b"Redirecting to " + location.encode("latin-1") + b"\n"
    await send(
        {
            "type": "http.response.start",
            "status": 308,
            "headers": [
                (b"location", location.encode("latin-1")),
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode("ascii")),
            ],
            "trailers": False,
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


class _Lifespans:
    """Drives the lifespan protocol of several apps as one."""

    def __init__(self, scope: LifespanScope, apps: list[ASGIApp]) -> None:
        self.scope = scope
        self.apps = apps

    async def serve(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        message = await receive()
        if message["type"] != "lifespan.startup":  # pragma: no cover - the spec's order
            return
        started: list[_AppLifespan] = []
        for index, app in enumerate(self.apps):
            lifespan = _AppLifespan(app, self.scope)
            outcome, detail = await lifespan.step("startup")
            if outcome == "complete":
                started.append(lifespan)
                continue
            if outcome == "unsupported":
                await lifespan.finish()
                if index == 0 and isinstance(detail, BaseException) and not started:
                    raise detail  # The main app's error, as without the dispatcher.
                continue
            # Failed: undo what started, then report.
            await lifespan.finish(cancel=True)
            for other in reversed(started):
                await other.step("shutdown")
                await other.finish()
            await send({"type": "lifespan.startup.failed", "message": str(detail)})
            return
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        failures: list[str] = []
        for lifespan in reversed(started):
            outcome, detail = await lifespan.step("shutdown")
            if outcome != "complete":
                failures.append(str(detail))
            await lifespan.finish()
        if failures:
            await send({"type": "lifespan.shutdown.failed", "message": "; ".join(failures)})
        else:
            await send({"type": "lifespan.shutdown.complete"})


class _AppLifespan:
    """One app's lifespan protocol, run in a task fed from a queue."""

    def __init__(self, app: ASGIApp, scope: LifespanScope) -> None:
        self._inbox: asyncio.Queue[ASGIReceiveEvent] = asyncio.Queue()
        # The app's messages (its ``send``), then how its call ended.
        self._outbox: asyncio.Queue[Mapping[str, object]] = asyncio.Queue()
        self._task = create_task(self._run(app, scope))

    async def _run(self, app: ASGIApp, scope: LifespanScope) -> None:
        try:
            await app(scope, self._inbox.get, self._outbox.put)
        except Exception as error:
            await self._outbox.put({"type": "error", "error": error})
        else:
            await self._outbox.put({"type": "returned"})

    async def step(self, event: Literal["startup", "shutdown"]) -> tuple[str, object]:
        """Send ``lifespan.<event>``; return ``complete``, ``failed`` or
        ``unsupported``, with the failure's message or exception."""
        await self._inbox.put(
            {"type": "lifespan.startup"} if event == "startup" else {"type": "lifespan.shutdown"}
        )
        reply = await self._outbox.get()
        kind = reply["type"]
        if kind == f"lifespan.{event}.complete":
            return "complete", None
        if kind == f"lifespan.{event}.failed":
            return "failed", reply.get("message", "")
        if kind == "error":
            return "unsupported" if event == "startup" else "failed", reply["error"]
        return "unsupported" if event == "startup" else "failed", f"app returned ({kind})"

    async def finish(self, cancel: bool = False) -> None:
        """Wait for the app's lifespan call to return (cancel it first if told)."""
        if cancel:
            self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
