"""Serving one websocket connection: the handshake, the pipeline run in the
server's task, the close or refusal at the end (the connection itself, and
how a websocket flows, are in ``_websocket``)."""

from __future__ import annotations

import asyncio
import types
import weakref
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Generator
from typing import Any
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers

from ..wrappers.websocket import _is_disconnect
from ._common import _BadHead
from ._common import _being_cancelled
from ._common import _decode_headers
from ._common import _default_host
from ._common import _split_path
from ._messages import log_escaped
from ._messages import plain_500_response
from ._messages import reraises_escaped
from ._websocket import _CLOSED
from ._websocket import _WebsocketConnection

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import ASGIReceiveCallable
    from ..typing import ASGISendCallable
    from ..typing import WebsocketScope
    from ..wrappers import Websocket


def websocket_from_scope(
    app: Quart,
    scope: WebsocketScope,
    receive: Callable[[], Awaitable[str | bytes]],
    send: Callable[[str | bytes], Awaitable[None]],
    accept: Callable[[Headers, str | None], Awaitable[None]],
    close: Callable[[int, str], Awaitable[None]],
) -> Websocket:
    """Decode ``scope`` into the app's websocket class, wired to the given
    callables. Raises ``_BadHead`` for a head no app may serve."""
    # request_from_scope's first lines: keep the two in step.
    http_version = scope.get("http_version", "1.1")
    headers, _ = _decode_headers(scope["headers"], http_version)
    if http_version != "1.1":
        _default_host(app, scope, headers)
    # The usual origin-form ASCII path outside any root path needs no work:
    # _split_path only for the others (bench: ws_connect).
    path = scope["path"]
    root_path = scope.get("root_path", "")
    if root_path or path[:1] != "/" or not path.isascii():
        root_path, path = _split_path(scope)
    return app.websocket_class(
        path,
        scope["query_string"],
        scope.get("scheme", "ws"),
        headers,
        root_path,
        http_version,
        list(scope.get("subprotocols") or ()),
        receive,
        send,
        accept,
        close,
        scope,
    )


def handle_websocket(
    app: Quart, scope: WebsocketScope, receive: ASGIReceiveCallable, send: ASGISendCallable
) -> Awaitable[None]:
    """Serve one websocket connection (await what this returns)."""
    # The serving coroutine itself, not one awaiting it: a level less in
    # the await chain (bench: ws_connect, ws_echo).
    return _serve(app, None, None, (scope, receive, send))


def serve_websocket(
    app: Quart, conn: _WebsocketConnection, websocket: Websocket
) -> Awaitable[None]:
    """Run the app for ``websocket``, then close it (or refuse it): how every
    websocket ends, on the default path and through Quart 0.22's connection
    class alike (await what this returns)."""
    return _serve(app, conn, websocket, None)


@types.coroutine
def _serve(
    app: Quart,
    conn: _WebsocketConnection | None,
    websocket: Websocket | None,
    asgi: tuple[WebsocketScope, ASGIReceiveCallable, ASGISendCallable] | None,
) -> Generator[Any, Any, None]:
    # serve_websocket, and handle_websocket's handshake first when ``asgi``
    # (its scope, receive and send) is given. A generator-based coroutine,
    # not ``async def``, so the handshake costs no coroutine of its own; the
    # pipeline runs step by step through _drive, which arms the reader when
    # the handler suspends outside ``receive()``.
    if asgi is not None:
        scope, receive, send = asgi
        pulled: Any = receive()
        if type(pulled) is not types.CoroutineType:
            pulled = pulled.__await__()  # A server's other awaitable.
        message = yield from pulled
        if message["type"] != "websocket.connect":
            return  # The client left during the handshake.
        conn = _WebsocketConnection(app, scope, receive, send)
        try:
            websocket = websocket_from_scope(
                app, scope, conn.receive, conn.send, conn.accept, conn.close
            )
        except _BadHead:
            yield from conn.finish(app, app.response_class("Bad Request", status=400))
            return
    assert conn is not None and websocket is not None
    websocket._connection = conn  # For websocket.close_code and friends.
    open_sockets = _open_sockets(app)
    open_sockets.add(conn)
    conn._may_read = True  # From now on an arming may start the reader.
    try:
        try:
            pipeline: Any
            if "handle_websocket" in app._overridden:
                pipeline = app.handle_websocket(websocket)
                if type(pipeline) is not types.CoroutineType:
                    pipeline = pipeline.__await__()  # An override's other awaitable.
            else:
                # Quart.handle_websocket's line, without its coroutine around
                # the pipeline's (bench: ws_connect, ws_echo). Keep in step.
                pipeline = app._websocket_steps.handle(app, app.websocket_context(websocket))
            response = yield from _drive(conn, pipeline)
        except asyncio.CancelledError as error:
            if conn.absorb_cancel():
                return  # We cancelled it: the client left. Teardown has run.
            if _being_cancelled():
                conn.settle(None, error)  # Usually done: 1001, the server is going away.
                raise
            # Raised by the app itself, not a cancellation: an error like any other.
            yield from _websocket_error(app, conn, websocket, error)
            return
        except Exception as error:
            conn.absorb_cancel()  # In case the handler turned ours into an error.
            if _is_disconnect(error):
                yield from conn.finish(app, None)  # Usually a no-op: it is closed.
            else:
                yield from _websocket_error(app, conn, websocket, error)
            return
        conn.absorb_cancel()  # In case the handler swallowed our cancellation.
        yield from conn.finish(app, response)
    finally:
        open_sockets.discard(conn)
        conn.finished = True
        if conn._reader is not None or conn._arm_handle is not None:
            yield from conn.stop_reader()  # Often nothing to stop (bench: ws_connect).


def _drive(conn: _WebsocketConnection, pipeline: Any) -> Generator[Any, Any, Any]:
    """Run the pipeline by hand, as its task would through ``await``, and
    answer its result. Each time the handler's task suspends outside
    ``receive()`` (a ``before_websocket`` function that awaits, an accept the
    server makes wait, any await of the handler's own between two receives)
    and the reader is not armed yet, arm it: the reader then pulls from the
    server in the handler's place, so a client that leaves is noticed while
    the handler is busy. The usual handler, which only ever waits in
    ``receive()``, never pays for an arming (bench: ws_echo, where arming on
    every ``receive()`` that returned cost a ``call_soon`` and a cancel per
    message). ``pipeline`` is a coroutine, or an awaitable's iterator."""
    coro = pipeline
    try:
        pending = coro.send(None)
    except StopIteration as stop:
        return stop.value
    while True:
        if (
            not conn._handler_receiving
            and conn._arm_handle is None
            and (conn._reader is None or not conn._armed)
            and conn.state != _CLOSED
            and not conn.finished
        ):
            # Run at the loop's next turn, as an arming made just before
            # this suspension would have been.
            conn._arm_handle = conn._loop.call_soon(conn._arm)
        try:
            sent = yield pending
        except GeneratorExit:
            coro.close()
            raise
        except BaseException as error:  # Thrown in by the task (a cancellation).
            try:
                pending = coro.throw(error)
            except StopIteration as stop:
                return stop.value
            continue
        try:
            pending = coro.send(sent)
        except StopIteration as stop:
            return stop.value


#: The websockets each app is serving, for :func:`close_open_websockets`.
_OPEN: weakref.WeakKeyDictionary[Quart, set[_WebsocketConnection]] = weakref.WeakKeyDictionary()
#: The last app's ``_OPEN`` entry: a weak-keyed look-up makes a weak reference (bench: ws_connect).
_OPEN_LAST: tuple[weakref.ref[Quart], set[_WebsocketConnection]] | None = None


def _open_sockets(app: Quart) -> set[_WebsocketConnection]:
    global _OPEN_LAST
    last = _OPEN_LAST
    if last is not None and last[0]() is app:
        return last[1]
    open_sockets = _OPEN.setdefault(app, set())
    _OPEN_LAST = (weakref.ref(app), open_sockets)
    return open_sockets


async def close_open_websockets(app: Quart, code: int = 1001, reason: str = "") -> None:
    """Close every websocket ``app`` serves with ``code`` (1001: going away),
    and keep doing so, for those accepted later, until none is left open."""
    while open_sockets := _OPEN.get(app):
        connections = list(open_sockets)
        await asyncio.gather(*(conn.going_away(code, reason) for conn in connections))
        await asyncio.sleep(0.05)


async def _websocket_error(
    app: Quart, conn: _WebsocketConnection, websocket: Websocket, error: BaseException
) -> None:
    """An error escaped the app (propagated): log it, then 1011 or a 500 refusal."""
    reraise = reraises_escaped(app)
    if not reraise:
        log_escaped(app, "websocket", websocket.path, error)
    if conn.accepted or not reraise:
        await conn.finish(app, plain_500_response(app))
    if reraise:
        raise error
