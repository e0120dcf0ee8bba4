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

Websockets (:func:`handle_websocket`) run on the same pipeline; how their
messages, disconnects and closes work is described at the top of the
websocket section below.
"""

from __future__ import annotations

import asyncio
import functools
import warnings
import weakref
from collections import deque
from contextlib import AbstractAsyncContextManager
from typing import Any
from typing import TYPE_CHECKING
from urllib.parse import quote
from urllib.parse import urlsplit

from werkzeug.datastructures import Headers
from werkzeug.exceptions import InternalServerError

from ._headers import FastHeaders
from .logging import escape_control_characters
from .wrappers.base import ClientDisconnectedError
from .wrappers.response import DataBody
from .wrappers.websocket import _is_disconnect
from .wrappers.websocket import WebsocketDisconnect

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
    headers._list = items
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
    if not path.isascii():
        path = _no_surrogates(path)
    return root_path, path


def _no_surrogates(path: str) -> str:
    """Replace lone surrogates (raw bytes a server decoded with
    ``surrogateescape``) with U+FFFD, as servers do for bad ``%`` escapes, so
    the path can be encoded again (``request.url``, logs)."""
    try:
        path.encode()
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in path)
    return path


# A query string holding raw non-ASCII bytes (which would make decoding it
# fail) has those, and any control bytes, percent-encoded; the rest is kept.
_QUERY_SAFE = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def _safe_query(query_string: bytes) -> bytes:
    if query_string.isascii():
        return query_string
    return quote(query_string, safe=_QUERY_SAFE).encode("ascii")


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
        try:
            await send(
                {"type": "http.response.push", "path": path, "headers": _encode_headers(headers)}
            )
        except OSError as error:
            # The server could not write to the client (uvicorn's
            # ClientDisconnected is an OSError): the view sees the one
            # documented error, which then ends the request quietly.
            raise ClientDisconnectedError() from error


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
        # Body reads under BODY_TIMEOUT: a dict entry instead of a timer per
        # read (asyncio.timeout cost ~9 µs per request body in the benchmark).
        self._deadlines: dict[_DisconnectWatch, float] = {}
        self._timer: asyncio.TimerHandle | None = None

    def add(self, watch: _DisconnectWatch) -> None:
        self._active[watch] = self._loop.time()
        self._arm()

    def discard(self, watch: _DisconnectWatch) -> None:
        self._active.pop(watch, None)
        self._deadlines.pop(watch, None)

    def set_deadline(self, watch: _DisconnectWatch, when: float) -> None:
        self._deadlines[watch] = when
        self._arm()

    def clear_deadline(self, watch: _DisconnectWatch) -> None:
        self._deadlines.pop(watch, None)

    def _arm(self) -> None:
        if self._timer is None:
            self._timer = self._loop.call_later(_WATCH_DELAY, self._sweep)

    def _sweep(self) -> None:
        self._timer = None
        now = self._loop.time()
        for watch, started in list(self._active.items()):
            if now - started >= _WATCH_DELAY and watch._start():
                del self._active[watch]
        for watch, when in list(self._deadlines.items()):
            if now >= when:
                del self._deadlines[watch]
                watch._expire()
        if self._active or self._deadlines:
            self._arm()


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

    __slots__ = (
        "__weakref__",
        "_dog",
        "_receive",
        "_request",
        "_task",
        "_watcher",
        "disconnected",
        "timed_out",
    )

    def __init__(self, receive: ASGIReceiveCallable, request: Request) -> None:
        self._receive = receive
        self._request = request
        self._task = asyncio.current_task()
        self._watcher: asyncio.Task[None] | None = None
        self.disconnected = False
        self.timed_out = False
        loop = asyncio.get_running_loop()
        dog = _watchdogs.get(loop)
        if dog is None:
            dog = _watchdogs[loop] = _Watchdog(loop)
        self._dog = dog
        dog.add(self)

    def deadline(self, when: float) -> AbstractAsyncContextManager[Any]:
        """The request's ``BODY_TIMEOUT`` guard (see ``Request._deadline_guard``)."""
        if asyncio.current_task() is not self._task:
            # The body is read from another task: it cannot be cancelled for us.
            return asyncio.timeout_at(when)
        return _Deadline(self, when)

    def _expire(self) -> None:
        self.timed_out = True
        if self._task is not None:
            self._task.cancel()

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


class _Deadline:
    """``async with`` a body read that must finish by ``when`` (loop time);
    raises ``TimeoutError`` like :func:`asyncio.timeout_at`."""

    __slots__ = ("_watch", "_when")

    def __init__(self, watch: _DisconnectWatch, when: float) -> None:
        self._watch = watch
        self._when = when

    async def __aenter__(self) -> None:
        self._watch._dog.set_deadline(self._watch, self._when)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any
    ) -> None:
        watch = self._watch
        watch._dog.clear_deadline(watch)
        if watch.timed_out:
            watch.timed_out = False
            task = watch._task
            if task is not None and task.uncancel() == 0 and exc_type is asyncio.CancelledError:
                raise TimeoutError() from exc


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
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send(
        {"type": "http.response.start", "status": status, "headers": headers, "trailers": False}
    )
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
        functools.partial(_push, send, scope)
        if "http.response.push" in (scope.get("extensions") or {})
        else _no_push
    )
    request = app.request_class(
        scope["method"],
        scope.get("scheme", "http"),
        path,
        _safe_query(scope["query_string"]),
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
    request._deadline_guard = watch.deadline
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
    if app.debug or app.testing:
        from .debug import traceback_response

        app.logger.error(
            f"Exception on request {request.method} {escape_control_characters(request.path)}",
            exc_info=(type(error), error, error.__traceback__),
        )
        return await traceback_response(error)
    if app.config["PROPAGATE_EXCEPTIONS"]:
        raise error
    app.logger.error(
        f"Exception on request {request.method} {escape_control_characters(request.path)}",
        exc_info=(type(error), error, error.__traceback__),
    )
    plain = InternalServerError()
    return app.response_class(
        plain.get_body(), status=500, headers=FastHeaders(plain.get_headers())
    )


async def send_response(
    app: Quart, request: Request, response: Any, send: ASGISendCallable
) -> None:
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
        app.logger.warning(
            "Response timed out after %s seconds; the connection was closed.", timeout
        )


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
        app.logger.error(
            "Exception while streaming the response to"
            f" {request.method} {escape_control_characters(request.path)}",
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
                await send(
                    {
                        "type": "lifespan.startup.failed",
                        "message": f"{type(error).__name__}: {error}",
                    }
                )
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await app.shutdown()
            except Exception as error:
                await send(
                    {
                        "type": "lifespan.shutdown.failed",
                        "message": f"{type(error).__name__}: {error}",
                    }
                )
                return
            await send({"type": "lifespan.shutdown.complete"})
            return


# -- websockets -----------------------------------------------------------
#
# How a websocket flows: :func:`handle_websocket` takes the
# ``websocket.connect`` message, builds a :class:`~quart.wrappers.Websocket`
# wired to one :class:`_WebsocketConnection`, and awaits
# :meth:`Quart.handle_websocket` (the same pipeline as HTTP) in the server's
# own task. Accepting is implicit on the first receive or send.
#
# Who calls ``receive``: one caller at a time, and only when the app wants a
# message or is busy elsewhere. A task in ``Websocket.receive()`` with nothing
# buffered pulls the next message from the server itself (no hand-off, so an
# echo loop costs no extra task switch). When it leaves ``receive()`` it arms
# the connection's reader task with ``call_soon``; if the app comes straight
# back to ``receive()`` the arming is cancelled unrun, but if it awaits
# something else the reader runs and pulls in its place, keeping at most
# ``_READ_AHEAD`` messages (about ``_READ_AHEAD_BYTES``) until the app reads
# them. So the server is pulled from only as the app consumes, and its own
# flow control holds back a client that sends faster than the app reads;
# reading ahead this little is what lets the framework see the client leave
# while the handler is busy. Messages it holds are handed over in order.
#
# When the client leaves (``websocket.disconnect``, any code) the close is
# queued behind the messages that came before it:
# * a handler that has called ``receive()`` gets those messages, then
#   :class:`WebsocketDisconnect` with the code and reason (``send()`` raises
#   it at once: nobody is listening);
# * if nothing is left unread and no task is waiting in ``receive()``, or the
#   handler has never called it, the handler is cancelled instead, since it
#   may be awaiting something that never ends.
# Either way the context tears down as for any request, and the reader is
# cancelled and awaited before this function returns: no task outlives the
# connection.
#
# At the end: a handler that returned on an accepted socket is closed with
# 1000 (1008 for a 4xx response, 1011 for a 5xx, e.g. after an unhandled
# error); one that refused before accepting has its response sent with the
# ``websocket.http.response`` extension, or a plain close (the server's 403).

_READ_AHEAD = 4
_READ_AHEAD_BYTES = 64 * 1024
_HANDSHAKE = 0
_CONNECTED = 1
_CLOSED = 2


def _spec_version(scope: WebsocketScope) -> tuple[int, ...]:
    raw = (scope.get("asgi") or {}).get("spec_version") or "2.0"
    try:
        return tuple(int(part) for part in raw.split("."))
    except ValueError:
        return (2, 0)


def _check_close(code: int, reason: str) -> None:
    # RFC 6455 §7.4: 1004-1006 and 1015 never go on the wire; §5.5: a
    # control frame payload is at most 125 bytes, 2 of them the code.
    if not (1000 <= code <= 4999) or code in {1004, 1005, 1006, 1015}:
        raise ValueError(
            f"{code} is not a close code an app may send: use 1000 (normal),"
            " 1001-1003, 1007-1014, or 3000-4999 (4000-4999 for your own)."
        )
    if len(reason.encode()) > 123:
        raise ValueError("A close reason can be at most 123 bytes (UTF-8) long.")


class _WebsocketConnection:
    """The ASGI side of one websocket (see the notes above)."""

    __slots__ = (
        "_arm_handle", "_armed", "_buffer", "_buffered", "_go", "_loop", "_pulling", "_receive",
        "_reader", "_send", "_sent_since_receive", "_task", "_waiters", "accepted", "app_closed",
        "close_info", "extensions", "finished", "headers_ok", "max_size", "reading", "reason_ok",
        "state", "we_cancelled",
    )  # fmt: skip

    def __init__(
        self,
        app: Quart,
        scope: WebsocketScope,
        receive: ASGIReceiveCallable,
        send: ASGISendCallable,
    ) -> None:
        self._receive = receive
        self._send = send
        spec = _spec_version(scope)
        self.headers_ok = spec > (2, 0)
        self.reason_ok = spec >= (2, 3)
        self.extensions = scope.get("extensions") or {}
        self.max_size: int | None = app.config["WEBSOCKET_MAX_MESSAGE_SIZE"]
        self.state = _HANDSHAKE
        self.accepted = False
        self.app_closed = False
        self.close_info = (1005, "")
        self.reading = False  # The app has called receive().
        self.finished = False  # The pipeline is over: never cancel it now.
        self.we_cancelled = False
        self._buffer: deque[str | bytes] = deque()
        self._buffered = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._pulling = False  # Someone is inside the server's receive().
        self._armed = True  # The reader should pull (the app is not receiving).
        self._arm_handle: asyncio.Handle | None = None
        self._go: asyncio.Future[None] | None = None  # The parked reader waits on it.
        self._sent_since_receive = False
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._reader: asyncio.Task[None] | None = None

    # The four callables the Websocket wrapper is given.

    async def receive(self) -> str | bytes:
        if self.state == _HANDSHAKE:
            await self.accept(Headers(), None)
        self.reading = True
        handle = self._arm_handle
        if handle is not None:
            handle.cancel()  # Back before the reader ran: it stays parked.
            self._arm_handle = None
        self._armed = False
        try:
            buffer = self._buffer
            while not buffer:
                if self.state == _CLOSED:
                    raise WebsocketDisconnect(*self.close_info)
                if not self._pulling:
                    data = await self._pull()
                    if data is not None:
                        self._sent_since_receive = False
                        return data
                    continue
                waiter: asyncio.Future[None] = self._loop.create_future()
                self._waiters.append(waiter)
                try:
                    await waiter
                except asyncio.CancelledError:
                    if waiter.done() and not waiter.cancelled():
                        self._wake(everyone=False)  # Woken just as cancelled: pass it on.
                    elif waiter in self._waiters:
                        self._waiters.remove(waiter)
                    raise
            data = buffer.popleft()
            self._buffered -= len(data)
            self._sent_since_receive = False
            return data
        finally:
            if self.state != _CLOSED and self._arm_handle is None:
                self._arm_handle = self._loop.call_soon(self._arm)

    async def send(self, data: str | bytes) -> None:
        if self.state != _CONNECTED:
            if self.state == _HANDSHAKE:
                await self.accept(Headers(), None)
            if self.state == _CLOSED:
                raise WebsocketDisconnect(*self.close_info)
        message: dict[str, Any]
        if isinstance(data, str):
            message = {"type": "websocket.send", "text": data}
        elif isinstance(data, bytes | bytearray | memoryview):
            message = {"type": "websocket.send", "bytes": bytes(data)}
        else:
            raise TypeError(
                f"A websocket message is str (text) or bytes (binary), not"
                f" {type(data).__name__}: use send_json() for other data."
            )
        if self._sent_since_receive:
            # Some servers drop sends to a vanished client without ever
            # suspending; yield so a send-only loop cannot starve the loop
            # (and the reader can see the disconnect).
            await asyncio.sleep(0)
            if self.state != _CONNECTED:
                raise WebsocketDisconnect(*self.close_info)
        self._sent_since_receive = True
        await self._send_or_raise(message)

    async def accept(self, headers: Headers, subprotocol: str | None) -> None:
        if self.state == _CONNECTED:
            return
        if self.state == _CLOSED:
            raise WebsocketDisconnect(*self.close_info)
        message: dict[str, Any] = {"type": "websocket.accept", "subprotocol": subprotocol}
        if headers:
            if self.headers_ok:
                message["headers"] = _encode_headers(headers)
            else:
                warnings.warn(
                    "The server speaks ASGI websocket spec 2.0, which has no accept"
                    " headers: the headers given to accept() were not sent.",
                    RuntimeWarning,
                    stacklevel=3,
                )
        self.state = _CONNECTED
        self.accepted = True
        await self._send_or_raise(message)

    async def close(self, code: int, reason: str) -> None:
        if self.app_closed:
            raise RuntimeError("The websocket is already closed: close() may be called once.")
        _check_close(code, reason)
        self.app_closed = True
        if self.state == _CLOSED:
            return  # The client already left: nothing to close.
        self._closed(code, reason)
        await self._send_close(code, reason)

    # Pulling from the server.

    async def _pull(self) -> str | bytes | None:
        """Take one message from the server: its data, or ``None`` after a
        disconnect or an oversized message (the connection is then closed)."""
        self._pulling = True
        try:
            message: Any = await self._receive()
        finally:
            self._pulling = False
        if message["type"] == "websocket.receive":
            data = message.get("text")
            if data is None:
                data = message.get("bytes") or b""
            max_size = self.max_size
            if max_size is None or len(data) * 4 <= max_size or not self._too_big(data):
                if self.state != _CLOSED:
                    return data  # type: ignore[no-any-return]
                return None  # The app closed: drop what crosses its close.
            reason = f"message larger than {max_size} bytes"
            self._ended(1009, reason)
            await self._send_close(1009, reason)
        elif message["type"] == "websocket.disconnect":
            self._ended(message.get("code") or 1005, message.get("reason") or "")
        return None

    def _too_big(self, data: str | bytes) -> bool:
        size = len(data.encode()) if isinstance(data, str) else len(data)
        return self.max_size is not None and size > self.max_size

    def _arm(self) -> None:
        self._arm_handle = None
        self._armed = True
        self._wake_reader()

    def _wake_reader(self) -> None:
        go = self._go
        if go is not None and not go.done():
            go.set_result(None)

    async def _read(self) -> None:
        buffer = self._buffer
        while self.state != _CLOSED:
            if (
                not self._armed
                or self._pulling
                or len(buffer) >= _READ_AHEAD
                or self._buffered >= _READ_AHEAD_BYTES
            ):
                self._go = self._loop.create_future()
                await self._go
                continue
            data = await self._pull()
            if data is not None:
                buffer.append(data)
                self._buffered += len(data)
                if self._wake(everyone=False):
                    self._armed = False  # The app is receiving again: let it pull.

    # Closing.

    async def _send_or_raise(self, message: dict[str, Any]) -> None:
        try:
            await self._send(message)  # type: ignore[arg-type]
        except OSError:
            self._closed(1006, "")
            raise WebsocketDisconnect(1006, "") from None

    async def _send_close(self, code: int, reason: str) -> None:
        message: dict[str, Any] = {"type": "websocket.close", "code": code}
        if reason and self.reason_ok:
            message["reason"] = reason
        try:
            await self._send(message)  # type: ignore[arg-type]
        except OSError:
            pass

    def _wake(self, everyone: bool) -> bool:
        """Wake one (or every) task waiting in receive(); whether any was."""
        woken = False
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                woken = True
                if not everyone:
                    break
        return woken

    def _closed(self, code: int, reason: str, keep_unread: bool = False) -> bool:
        """Mark the websocket closed; return whether a task was waiting in receive()."""
        self.state = _CLOSED
        self.close_info = (code, reason)
        if not keep_unread:
            self._buffer.clear()
            self._buffered = 0
        self._wake_reader()
        return self._wake(everyone=True)

    def _ended(self, code: int, reason: str) -> None:
        """The client left (or sent too much): see the notes above."""
        if self.state == _CLOSED:
            return  # The app closed first; let it finish on its own.
        keep = self.reading and bool(self._buffer)
        woken = self._closed(code, reason, keep_unread=keep)
        if woken or keep or asyncio.current_task() is not self._reader:
            return  # Someone is receiving (maybe the caller): they are told.
        if not self.finished and self._task is not None:
            self.we_cancelled = True
            self._task.cancel()

    def absorb_cancel(self) -> bool:
        """Undo our cancellation of the handler's task; whether it was only ours."""
        self.finished = True
        if not self.we_cancelled or self._task is None:
            return False
        self.we_cancelled = False
        return self._task.uncancel() == 0

    def start_reader(self) -> None:
        self._reader = self._loop.create_task(self._read(), name="quart-websocket-reader")

    async def stop_reader(self) -> None:
        if self._arm_handle is not None:
            self._arm_handle.cancel()
            self._arm_handle = None
        reader = self._reader
        if reader is not None and not reader.done():
            reader.cancel()
            try:
                await reader
            except asyncio.CancelledError:
                pass

    async def finish(self, app: Quart, response: Response | None) -> None:
        """Close an accepted socket, or refuse one the app never accepted."""
        if self.state == _CLOSED:
            return
        if self.accepted:
            status = 200 if response is None else response.status_code
            code = 1011 if status >= 500 else 1008 if status >= 400 else 1000
            self._closed(code, "")
            await self._send_close(code, "")
            return
        self._closed(1000, "")
        if response is None or "websocket.http.response" not in self.extensions:
            await self._send_close(1000, "")  # Before accept: the server answers 403.
            return
        try:
            await _send_denial(app, response, self._send)
        except OSError:
            pass


async def _send_denial(app: Quart, response: Any, send: ASGISendCallable) -> None:
    body = response.response
    if isinstance(body, DataBody):
        data = body.data[body.begin : body.end]
    else:
        if not hasattr(body, "__aenter__"):
            status, headers = response.status_code, response.headers
            response = app.response_class(body, status=status, headers=headers)
            body = response.response
        timeout = response.timeout
        if timeout is Ellipsis:
            timeout = app.config["RESPONSE_TIMEOUT"]
        try:
            # A refusal is small: collect it, so a failing generator still
            # gets a clean 500 instead of half a response.
            async with asyncio.timeout(timeout), body as chunks:
                data = b"".join([_as_bytes(chunk) async for chunk in chunks])
        except Exception as error:
            app.logger.error(
                "Exception while producing a websocket refusal response",
                exc_info=(type(error), error, error.__traceback__),
            )
            response = _plain_500(app)
            data = response.response.data
    await send(
        {
            "type": "websocket.http.response.start",
            "status": response.status_code,
            "headers": _encode_headers(response.headers),
        }
    )
    await send({"type": "websocket.http.response.body", "body": data, "more_body": False})


async def handle_websocket(
    app: Quart, scope: WebsocketScope, receive: ASGIReceiveCallable, send: ASGISendCallable
) -> None:
    """Serve one websocket connection."""
    message: Any = await receive()
    if message["type"] != "websocket.connect":
        return  # The client left during the handshake.
    conn = _WebsocketConnection(app, scope, receive, send)
    http_version = scope.get("http_version", "1.1")
    try:
        headers = _decode_headers(scope["headers"], http_version)
    except _BadHead:
        await conn.finish(app, app.response_class("Bad Request", status=400))
        return
    if http_version != "1.1":
        _default_host(app, scope, headers)
    root_path, path = _split_path(scope)
    websocket = app.websocket_class(
        path,
        scope["query_string"],
        scope.get("scheme", "ws"),
        headers,
        root_path,
        http_version,
        list(scope.get("subprotocols") or ()),
        conn.receive,
        conn.send,
        conn.accept,
        conn.close,
        scope,
    )
    conn.start_reader()
    try:
        try:
            response = await app.handle_websocket(websocket)
        except asyncio.CancelledError:
            if conn.absorb_cancel():
                return  # We cancelled it: the client left. Teardown has run.
            raise
        except Exception as error:
            conn.absorb_cancel()  # In case the handler turned ours into an error.
            if _is_disconnect(error):
                await conn.finish(app, None)  # Usually a no-op: it is closed.
            else:
                await _websocket_error(app, conn, websocket, error)
            return
        conn.absorb_cancel()  # In case the handler swallowed our cancellation.
        await conn.finish(app, response)  # type: ignore[arg-type]
    finally:
        conn.finished = True
        await conn.stop_reader()


def _as_bytes(chunk: str | bytes) -> bytes:
    return chunk.encode() if isinstance(chunk, str) else chunk


def _plain_500(app: Quart) -> Any:
    plain = InternalServerError()
    return app.response_class(plain.get_body(), status=500, mimetype="text/html")


async def _websocket_error(
    app: Quart, conn: _WebsocketConnection, websocket: Any, error: Exception
) -> None:
    """An error escaped the app (propagated): log it, then 1011 or a 500 refusal."""
    reraise = app.config["PROPAGATE_EXCEPTIONS"] and not (app.debug or app.testing)
    if not reraise:
        app.logger.error(
            f"Exception on websocket {escape_control_characters(websocket.path)}",
            exc_info=(type(error), error, error.__traceback__),
        )
    if conn.accepted or not reraise:
        await conn.finish(app, _plain_500(app))
    if reraise:
        raise error


class ASGIHTTPConnection:
    """Serves one HTTP connection (kept as a class for API compatibility).

    :param app: The application.
    :param scope: The ASGI ``http`` scope.
    """

    def __init__(self, app: Quart, scope: HTTPScope) -> None:
        self.app = app
        self.scope = scope

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        """Serve the request."""
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
        """Serve the connection until it closes."""
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
        """Serve the lifespan protocol until shutdown."""
        await handle_lifespan(self.app, self.scope, receive, send)
