"""The ASGI adapter: the only module that reads or writes ASGI messages.

How a request flows: :func:`handle_http` decodes the scope once into a
:class:`~quart.wrappers.Request` (headers decoded and validated in one
pass), wires the body to ``receive`` (pulled on demand: no reader task, no
buffer), awaits :meth:`Quart.handle_request` in the server's own task, and
sends the response. A body held in memory goes out as one
``http.response.body`` message; a streamed body is sent chunk by chunk under
one ``RESPONSE_TIMEOUT`` deadline (not a timer per chunk), and the response
start is held back until the first chunk so a generator that fails before
producing anything still gets a clean 500.

Errors that escape the app (propagated, or raised by teardown functions)
stop here: a traceback page in debug/testing, otherwise a log line and a
plain 500; with ``PROPAGATE_EXCEPTIONS = True`` outside debug/testing they
are re-raised to the server. A vanished client ends the request quietly.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from typing import TYPE_CHECKING
from typing import Any
from urllib.parse import urlsplit

from werkzeug.datastructures import Headers
from werkzeug.exceptions import InternalServerError

from ._headers import FastHeaders
from .wrappers.base import ClientDisconnectedError
from .wrappers.response import DataBody

if TYPE_CHECKING:
    from .app import Quart
    from .typing import ASGIReceiveCallable
    from .typing import ASGISendCallable
    from .typing import HTTPScope
    from .typing import LifespanScope
    from .typing import WebsocketScope
    from .wrappers import Request
    from .wrappers import Response

__all__ = ["ASGIHTTPConnection", "ASGILifespan", "ASGIWebsocketConnection"]

# Header names repeat across requests: decode each distinct one once.
# Bounded, since names are client controlled.
_NAMES: dict[bytes, str] = {}
_NAMES_OUT: dict[str, bytes] = {}
_NAME_CACHE_SIZE = 512


class _BadHead(Exception):
    """The request head is unacceptable whatever the app says (RFC 9112 §3.2, §6.3)."""


def _decode_headers(raw: Any, http_version: str) -> Headers:
    headers = FastHeaders()
    items = []
    hosts = 0
    framing = 0
    names = _NAMES
    for name, value in raw:
        key = names.get(name)
        if key is None:
            key = name.decode("latin-1").title()
            if len(names) < _NAME_CACHE_SIZE:
                names[name] = key
        if key == "Host":
            hosts += 1
        elif key == "Content-Length" or key == "Transfer-Encoding":
            framing |= 1 if key == "Content-Length" else 2
        items.append((key, value.decode("latin-1")))
    if framing == 3:
        raise _BadHead("both Content-Length and Transfer-Encoding")
    if hosts > 1 or (hosts == 0 and http_version == "1.1"):
        raise _BadHead("a HTTP/1.1 request needs exactly one Host header")
    headers._list = items  # type: ignore[attr-defined]
    return headers


def _encode_headers(headers: Headers) -> list[tuple[bytes, bytes]]:
    out = []
    names = _NAMES_OUT
    for key, value in headers.items():
        name = names.get(key)
        if name is None:
            name = key.lower().encode("latin-1")
            if len(names) < _NAME_CACHE_SIZE:
                names[key] = name
        out.append((name, value.encode("latin-1")))
    return out


def _split_path(scope: HTTPScope | WebsocketScope) -> tuple[str, str]:
    """Return (root_path, path within the app)."""
    path = scope["path"]
    if path[:1] != "/" and "://" in path:
        # An absolute-form request target (RFC 9112 §3.2.2): route its path.
        path = urlsplit(path).path or "/"
    root_path = scope.get("root_path", "")
    if root_path:
        if path == root_path or path.startswith(root_path + "/"):
            path = path[len(root_path) :]
        # Otherwise the server already stripped it (older uvicorn): keep path.
    return root_path, path


def _default_host(app: Quart, scope: HTTPScope | WebsocketScope, headers: Headers) -> None:
    if "Host" not in headers:
        server_name = app.config["SERVER_NAME"]
        server = scope.get("server")
        if server_name:
            headers["Host"] = server_name
        elif server and server[1] is not None:
            headers["Host"] = f"{server[0]}:{server[1]}"
        elif server:
            headers["Host"] = server[0]


async def _push(send: ASGISendCallable, scope: HTTPScope, path: str, headers: Headers) -> None:
    if "http.response.push" in (scope.get("extensions") or {}):
        await send(
            {"type": "http.response.push", "path": path, "headers": _encode_headers(headers)}
        )


async def _no_push(path: str, headers: Headers) -> None:
    return None


class _BodySource:
    """Pulls request body chunks from ``receive`` when the app asks for them."""

    __slots__ = ("receive",)

    def __init__(self, receive: ASGIReceiveCallable) -> None:
        self.receive = receive

    async def __call__(self) -> tuple[bytes, bool]:
        message: Any = await self.receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnectedError()
        return message.get("body", b""), message.get("more_body", False)


# How long a request may run before we start watching for the client leaving.
# Most requests finish sooner and never pay for a watcher task; a client that
# leaves a slow view or a stream is noticed within about twice this delay.
_WATCH_DELAY = 0.025


class _Watchdog:
    """One per event loop: finds requests that have run for a while and starts
    a disconnect watcher for each (see :class:`_DisconnectWatch`).

    A per-request timer cost more than the rest of a small request's routing;
    this costs a dict insert and delete per request, plus one sweep every
    ``_WATCH_DELAY`` seconds while requests are in flight.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._active: dict[_DisconnectWatch, float] = {}
        self._timer: asyncio.TimerHandle | None = None

    def add(self, watch: _DisconnectWatch) -> None:
        self._active[watch] = self._loop.time()
        if self._timer is None:
            self._timer = self._loop.call_later(_WATCH_DELAY, self._sweep)

    def discard(self, watch: _DisconnectWatch) -> None:
        self._active.pop(watch, None)

    def _sweep(self) -> None:
        self._timer = None
        now = self._loop.time()
        for watch, started in list(self._active.items()):
            if now - started >= _WATCH_DELAY and watch._start():
                del self._active[watch]
        if self._active:
            self._timer = self._loop.call_later(_WATCH_DELAY, self._sweep)


_watchdogs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Watchdog] = (
    weakref.WeakKeyDictionary()
)


class _DisconnectWatch:
    """Cancel the request's task when the client disconnects.

    How it works: the request registers with its loop's :class:`_Watchdog`.
    If it is still running a little later and its body has been read (so
    nothing else is pulling from ``receive``), one task awaits ``receive()``;
    on ``http.disconnect`` it cancels the request's task, which unwinds the
    view or the streaming generator (their ``finally`` blocks run) and the
    context teardown. While the body is unread, the app's own reads notice a
    disconnect, so nothing reads ahead.
    """

    __slots__ = ("__weakref__", "_dog", "_receive", "_request", "_task", "_watcher", "disconnected")

    def __init__(self, receive: ASGIReceiveCallable, request: Request) -> None:
        self._receive = receive
        self._request = request
        self._task = asyncio.current_task()
        self._watcher: asyncio.Task[None] | None = None
        self.disconnected = False
        loop = asyncio.get_running_loop()
        dog = _watchdogs.get(loop)
        if dog is None:
            dog = _watchdogs[loop] = _Watchdog(loop)
        self._dog = dog
        dog.add(self)

    def _start(self) -> bool:
        if not self._request.body._complete:
            return False
        self._watcher = asyncio.get_running_loop().create_task(self._watch())
        return True

    async def _watch(self) -> None:
        while True:
            # The body is complete (or declared empty): any http.request
            # message still arriving carries nothing the app will read.
            message: Any = await self._receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                if self._task is not None:
                    self._task.cancel()
                return

    def stop(self) -> asyncio.Task[None] | None:
        """Stop watching; return a watcher task still to be cancelled, if any."""
        self._dog.discard(self)
        watcher = self._watcher
        if watcher is not None and not watcher.done():
            return watcher
        return None


async def _cancel_watcher(watcher: asyncio.Task[None]) -> None:
    watcher.cancel()
    try:
        await watcher
    except asyncio.CancelledError:
        pass


_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})


def _declares_no_body(headers: Headers, method: str) -> bool:
    length = headers.get("Content-Length")
    if length is not None:
        return length.strip() == "0"
    if "Transfer-Encoding" in headers:
        return False
    # With neither header HTTP/1.1 has no body (RFC 9112 §6.3), but not every
    # server passes framing headers through, and HTTP/2 bodies need no
    # length: only assume "no body" for methods that normally carry none.
    return method in _BODYLESS_METHODS


async def _send_error(send: ASGISendCallable, status: int, close: bool = False) -> None:
    body = f"{status} {'Bad Request' if status == 400 else 'Error'}".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers, "trailers": False})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def handle_http(
    app: Quart, scope: HTTPScope, receive: ASGIReceiveCallable, send: ASGISendCallable
) -> None:
    """Serve one HTTP request."""
    http_version = scope.get("http_version", "1.1")
    try:
        headers = _decode_headers(scope["headers"], http_version)
    except _BadHead:
        await _send_error(send, 400, close=True)
        return
    if http_version != "1.1":
        _default_host(app, scope, headers)
    root_path, path = _split_path(scope)
    config = app.config
    push: Any = (
        functools.partial(_push, send, scope) if "http.response.push" in (scope.get("extensions") or {}) else _no_push
    )
    request = app.request_class(
        scope["method"],
        scope.get("scheme", "http"),
        path,
        scope["query_string"],
        headers,
        root_path,
        http_version,
        scope,
        max_content_length=config["MAX_CONTENT_LENGTH"],
        body_timeout=config["BODY_TIMEOUT"],
        send_push_promise=push,
    )
    if _declares_no_body(headers, request.method):
        # Nothing to read: the body starts complete, so the app never calls
        # receive() and the disconnect watcher may own it from the start.
        request.body._complete = True
    else:
        request.body._set_source(_BodySource(receive))
    watch = _DisconnectWatch(receive, request)
    try:
        try:
            response = await app.handle_request(request)
        except ClientDisconnectedError:
            return
        except Exception as error:
            response = await _unhandled(app, request, error)
        try:
            await send_response(app, request, response, send)
        except (ClientDisconnectedError, OSError):
            return
    except asyncio.CancelledError:
        if watch.disconnected:
            # We cancelled the request because the client left: done, quietly.
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
            return
        raise
    finally:
        watcher = watch.stop()
        if watcher is not None:
            await _cancel_watcher(watcher)


async def _unhandled(app: Quart, request: Request, error: Exception) -> Response:
    """An error escaped the app: traceback page, plain 500, or re-raise."""
    from .app import _escape_for_log

    if app.debug or app.testing:
        from .debug import traceback_response

        app.logger.error(
            f"Exception on request {request.method} {_escape_for_log(request.path)}",
            exc_info=(type(error), error, error.__traceback__),
        )
        return await traceback_response(error)
    if app.config["PROPAGATE_EXCEPTIONS"]:
        raise error
    app.logger.error(
        f"Exception on request {request.method} {_escape_for_log(request.path)}",
        exc_info=(type(error), error, error.__traceback__),
    )
    plain = InternalServerError()
    return app.response_class(plain.get_body(), status=500, headers=plain.get_headers())


async def send_response(app: Quart, request: Request, response: Any, send: ASGISendCallable) -> None:
    """Send ``response``: in one message when held in memory, else streamed."""
    body = response.response
    if isinstance(body, DataBody):
        data = body.data
        if body.begin or body.end != len(data):
            data = data[body.begin : body.end]
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": _encode_headers(response.headers),
                "trailers": False,
            }
        )
        await send(
            {
                "type": "http.response.body",
                "body": b"" if request.method == "HEAD" else data,
                "more_body": False,
            }
        )
        return
    if not hasattr(body, "__aenter__"):
        # A plain Werkzeug response body (an iterable of bytes).
        response = app.response_class(body, status=response.status_code, headers=response.headers)
        body = response.response
    timeout = response.timeout
    if timeout is Ellipsis:
        timeout = app.config["RESPONSE_TIMEOUT"]
    try:
        async with asyncio.timeout(timeout):
            await _stream_body(app, request, response, body, send)
    except TimeoutError:
        app.logger.warning("Response timed out after %s seconds; the connection was closed.", timeout)


async def _stream_body(
    app: Quart, request: Request, response: Any, body: Any, send: ASGISendCallable
) -> None:
    start = {
        "type": "http.response.start",
        "status": response.status_code,
        "headers": _encode_headers(response.headers),
        "trailers": False,
    }
    started = False
    try:
        async with body as chunks:
            if request.method != "HEAD":
                async for chunk in chunks:
                    if isinstance(chunk, str):
                        chunk = chunk.encode()
                    if not started:
                        await send(start)  # type: ignore[arg-type]
                        started = True
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
    except (ClientDisconnectedError, OSError, asyncio.CancelledError):
        raise
    except Exception as error:
        from .app import _escape_for_log

        app.logger.error(
            f"Exception while streaming the response to {request.method} {_escape_for_log(request.path)}",
            exc_info=(type(error), error, error.__traceback__),
        )
        if started:
            return  # Unfinished response: the server closes the connection.
        await _send_error(send, 500)
        return
    if not started:
        await send(start)  # type: ignore[arg-type]
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def handle_lifespan(
    app: Quart, scope: LifespanScope, receive: ASGIReceiveCallable, send: ASGISendCallable
) -> None:
    """Run startup and shutdown when the server says so."""
    while True:
        message: Any = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await app.startup()
            except Exception as error:
                await send({"type": "lifespan.startup.failed", "message": f"{type(error).__name__}: {error}"})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await app.shutdown()
            except Exception as error:
                await send({"type": "lifespan.shutdown.failed", "message": f"{type(error).__name__}: {error}"})
                return
            await send({"type": "lifespan.shutdown.complete"})
            return


async def handle_websocket(
    app: Quart, scope: WebsocketScope, receive: ASGIReceiveCallable, send: ASGISendCallable
) -> None:
    """Serve one websocket connection (see :mod:`quart.wrappers.websocket`)."""
    raise NotImplementedError("Websockets are not implemented yet.")


class ASGIHTTPConnection:
    """Serves one HTTP connection (kept as a class for API compatibility).

    :param app: The application.
    :param scope: The ASGI ``http`` scope.
    """

    def __init__(self, app: Quart, scope: HTTPScope) -> None:
        self.app = app
        self.scope = scope

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        await handle_http(self.app, self.scope, receive, send)


class ASGIWebsocketConnection:
    """Serves one websocket connection.

    :param app: The application.
    :param scope: The ASGI ``websocket`` scope.
    """

    def __init__(self, app: Quart, scope: WebsocketScope) -> None:
        self.app = app
        self.scope = scope

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        await handle_websocket(self.app, self.scope, receive, send)


class ASGILifespan:
    """Serves the ASGI lifespan protocol.

    :param app: The application.
    :param scope: The ASGI ``lifespan`` scope.
    """

    def __init__(self, app: Quart, scope: LifespanScope) -> None:
        self.app = app
        self.scope = scope

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        await handle_lifespan(self.app, self.scope, receive, send)
