"""Quart 0.22's ASGI connection classes, with their overridable steps.

``app.asgi_http_class`` and ``app.asgi_websocket_class`` name these classes.
As they come, each ``__call__`` hands the connection to this package's own
engine (:func:`handle_http`, :func:`handle_websocket`). A subclass that
overrides one of Quart's steps (``handle_messages``, ``handle_request``,
``_send_response``, ``send_data``, ...) is served through those steps, so
the override takes effect; which class overrides what is decided once per
class (``__init_subclass__``).

The classes are thin adapters over the one engine: they differ from it only
in how messages are read, never in how a connection ends.

* HTTP: a reader task (``handle_messages``) fills the request body, as in
  Quart; whichever of it and ``handle_request`` ends first cancels the other
  (a client that disconnects cancels the handler). ``handle_request`` is the
  engine's :func:`respond`, sending through ``_send_response``.
* Websocket: a reader task (``handle_messages``) queues incoming messages;
  the engine's connection reads them from that queue (the client leaving is
  queued too), and the websocket object sends, accepts and closes through
  ``send_data``, ``accept_connection`` and ``close_connection``, which call
  the engine. ``handle_websocket`` is the engine's :func:`serve_websocket`:
  the same close codes, errors, disconnects and refusals as the default path.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers

from ._common import _BadHead
from ._http import _push
from ._http import _send_error
from ._http import handle_http
from ._http import request_from_scope
from ._http import respond
from ._http import send_response
from ._websocket import _CLOSED
from ._websocket import _CONNECTED
from ._websocket import _WebsocketConnection
from ._websocket_serve import handle_websocket
from ._websocket_serve import serve_websocket
from ._websocket_serve import websocket_from_scope

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import ASGIReceiveCallable
    from ..typing import ASGISendCallable
    from ..typing import HTTPScope
    from ..typing import ResponseTypes
    from ..typing import WebsocketScope
    from ..wrappers import Request
    from ..wrappers import Websocket

# What a subclass may override; __init__ and __call__ too, so that asgi_app
# builds a subclass that changes them.
_HTTP_STEPS = (
    "__call__",
    "__init__",
    "_create_request_from_scope",
    "_send_push_promise",
    "_send_response",
    "handle_messages",
    "handle_request",
)
_WEBSOCKET_STEPS = (
    "__call__",
    "__init__",
    "_create_websocket_from_scope",
    "accept_connection",
    "close_connection",
    "handle_messages",
    "handle_websocket",
    "send_data",
)


def _overrides_any(cls: type, base: type, steps: tuple[str, ...]) -> bool:
    """Whether ``cls`` replaces any of ``base``'s ``steps``."""
    return any(getattr(cls, name) is not getattr(base, name) for name in steps)


#: The client left: what the websocket reader queues after the last message.
_LEFT: Any = object()


def _queued_messages(
    queue: asyncio.Queue[Any], left: list[dict[str, Any]]
) -> Callable[[], Awaitable[Any]]:
    """The engine's ``receive`` for a connection class: the next message its
    ``handle_messages`` queued, as ASGI has it; once the client left,
    ``left[0]``. Not a bound method: the connection object holds the
    engine, and an engine holding the connection object back would leave
    both (and the queue) to the cyclic garbage collector after every
    websocket (tests/test_no_cycles.py)."""

    async def receive() -> Any:
        data = await queue.get()
        if data is _LEFT:
            queue.put_nowait(_LEFT)  # For any later pull too.
            return left[0]
        if isinstance(data, str):
            return {"type": "websocket.receive", "text": data}
        return {"type": "websocket.receive", "bytes": data}

    return receive


async def _run_until_first_ends(*coroutines: Any) -> None:
    """Run the coroutines as tasks until one ends; cancel the others; raise
    the first one's error, if any."""
    tasks = [asyncio.ensure_future(coroutine) for coroutine in coroutines]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    for task in tasks:
        if task in done and not task.cancelled() and task.exception() is not None:
            raise task.exception()


class ASGIHTTPConnection:
    """Serves one HTTP request (``app.asgi_http_class``).

    Subclass it and override a step to change how requests are read or
    answered (see :mod:`quart.asgi._compat`); unchanged, it uses the fast
    path with no extra task.

    :param app: The application.
    :param scope: The ASGI ``http`` scope.
    """

    #: Whether this class overrides a step (decided once per class).
    _overrides = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._overrides = _overrides_any(cls, ASGIHTTPConnection, _HTTP_STEPS)

    def __init__(self, app: Quart, scope: HTTPScope) -> None:
        self.app = app
        self.scope = scope
        self._request: Request | None = None

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        """Serve the request."""
        if not self._overrides:
            await handle_http(self.app, self.scope, receive, send)
            return
        try:
            request = self._create_request_from_scope(send)
        except _BadHead:
            await _send_error(send, 400, close=True)
            return
        try:
            await _run_until_first_ends(
                self.handle_messages(request, receive), self.handle_request(request, send)
            )
        finally:
            # The request holds a method of this object (its push promises):
            # kept, the two would be a reference cycle, left to the cyclic
            # garbage collector after every request (tests/test_no_cycles.py).
            self._request = None

    def _create_request_from_scope(self, send: ASGISendCallable) -> Request:
        """Build the request; its body is filled by :meth:`handle_messages`.

        :param send: The ASGI send callable (for HTTP/2 push promises).
        """
        push = functools.partial(self._send_push_promise, send)
        request, no_body = request_from_scope(self.app, self.scope, push)
        if no_body:
            request.body.set_complete()
        # Otherwise the body waits for what handle_messages appends.
        self._request = request
        return request

    async def handle_messages(self, request: Request, receive: ASGIReceiveCallable) -> None:
        """Read the body into ``request.body`` until the client disconnects.

        :param request: The request being served.
        :param receive: The ASGI receive callable.
        """
        while True:
            message: Any = await receive()
            if message["type"] == "http.request":
                request.body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    request.body.set_complete()
            elif message["type"] == "http.disconnect":
                return

    async def handle_request(self, request: Request, send: ASGISendCallable) -> None:
        """Run the app for ``request`` and send its response.

        :param request: The request being served.
        :param send: The ASGI send callable.
        """
        self._request = request
        await respond(self.app, request, send, self._sender)

    async def _sender(
        self, app: Quart, request: Request, response: Any, send: ASGISendCallable
    ) -> None:
        await self._send_response(send, response)

    async def _send_response(self, send: ASGISendCallable, response: ResponseTypes) -> None:
        """Send ``response`` (in one message when held in memory, else streamed).

        :param send: The ASGI send callable.
        :param response: The response to send.
        """
        request: Any = self._request or SimpleNamespace(
            method=self.scope["method"], path=self.scope["path"]
        )
        await send_response(self.app, request, response, send)

    async def _send_push_promise(self, send: ASGISendCallable, path: str, headers: Headers) -> None:
        """Ask the server to push ``path`` (HTTP/2 only; a no-op otherwise).

        :param send: The ASGI send callable.
        :param path: The path to push.
        :param headers: The request headers for the pushed request.
        """
        await _push(send, self.scope, path, headers)


class ASGIWebsocketConnection:
    """Serves one websocket connection (``app.asgi_websocket_class``).

    Subclass it and override a step to change how messages are read, sent,
    accepted or closed (see :mod:`quart.asgi._compat`); unchanged, it uses
    this package's own websocket engine.

    :param app: The application.
    :param scope: The ASGI ``websocket`` scope.
    """

    #: Whether this class overrides a step (decided once per class).
    _overrides = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._overrides = _overrides_any(cls, ASGIWebsocketConnection, _WEBSOCKET_STEPS)

    def __init__(self, app: Quart, scope: WebsocketScope) -> None:
        self.app = app
        self.scope = scope
        #: Messages received and not yet read by the app.
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self._conn: _WebsocketConnection | None = None
        #: The client's ``websocket.disconnect`` once it came (a box the
        #: engine's receive reads: see _queued_messages).
        self._left: list[dict[str, Any]] = [{"type": "websocket.disconnect", "code": 1005}]

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        """Serve the connection until it closes."""
        if not self._overrides:
            await handle_websocket(self.app, self.scope, receive, send)
            return
        message: Any = await receive()
        if message["type"] != "websocket.connect":
            return  # The client left during the handshake.
        conn = self._conn = _WebsocketConnection(
            self.app, self.scope, _queued_messages(self.queue, self._left), send
        )
        reader = asyncio.ensure_future(self._read(receive))
        try:
            try:
                websocket = self._create_websocket_from_scope(send)
            except _BadHead:
                await conn.finish(self.app, self.app.response_class("Bad Request", status=400))
                return
            websocket._connection = conn  # Also when handle_websocket is overridden.
            try:
                await self.handle_websocket(websocket, send)
            except asyncio.CancelledError:
                if conn.absorb_cancel():
                    return  # We cancelled an overriding handle_websocket: the client left.
                raise
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def _read(self, receive: ASGIReceiveCallable) -> None:
        async def noting_receive() -> Any:
            message: Any = await receive()
            if message["type"] == "websocket.disconnect":
                self._left[0] = message
            return message

        try:
            await self.handle_messages(noting_receive)
        finally:
            self.queue.put_nowait(_LEFT)

    def _create_websocket_from_scope(self, send: ASGISendCallable) -> Websocket:
        """Build the websocket object, wired to this connection's steps.

        :param send: The ASGI send callable.
        """
        return websocket_from_scope(
            self.app,
            self.scope,
            functools.partial(self._receive_data, send),
            functools.partial(self.send_data, send),
            functools.partial(self.accept_connection, send),
            functools.partial(self.close_connection, send),
        )

    async def handle_messages(self, receive: ASGIReceiveCallable) -> None:
        """Queue incoming messages until the client disconnects.

        :param receive: The ASGI receive callable.
        """
        while True:
            message: Any = await receive()
            if message["type"] == "websocket.receive":
                data = message.get("text")
                self.queue.put_nowait(data if data is not None else message.get("bytes") or b"")
            elif message["type"] == "websocket.disconnect":
                return

    async def handle_websocket(self, websocket: Websocket, send: ASGISendCallable) -> None:
        """Run the app for ``websocket``; then close it, or refuse it with
        the app's response if it was never accepted.

        :param websocket: The websocket being served.
        :param send: The ASGI send callable.
        """
        await serve_websocket(self.app, self._engine(), websocket)

    async def _receive_data(self, send: ASGISendCallable) -> str | bytes:
        if not self._accepted:
            await self.accept_connection(send, Headers(), None)
        return await self._engine().receive()

    async def send_data(self, send: ASGISendCallable, data: str | bytes) -> None:
        """Send one message (accepting the connection first if needed).

        :param send: The ASGI send callable.
        :param data: ``str`` for a text message, ``bytes`` for a binary one.
        """
        if not self._accepted and not self._closed:
            await self.accept_connection(send, Headers(), None)
        await self._engine().send(data)

    async def accept_connection(
        self, send: ASGISendCallable, headers: Headers, subprotocol: str | None
    ) -> None:
        """Accept the connection (once; later calls do nothing).

        :param send: The ASGI send callable.
        :param headers: Extra headers for the handshake response.
        :param subprotocol: The chosen subprotocol, if any.
        """
        await self._engine().accept(headers, subprotocol)

    async def close_connection(self, send: ASGISendCallable, code: int, reason: str) -> None:
        """Close the connection.

        :param send: The ASGI send callable.
        :param code: The websocket close code.
        :param reason: The close reason.
        """
        await self._engine().close(code, reason)

    def _engine(self) -> _WebsocketConnection:
        if self._conn is None:
            raise RuntimeError("The websocket connection is not being served yet.")
        return self._conn

    # Quart's flags, for subclasses that read (or set) them.

    @property
    def _accepted(self) -> bool:
        return self._conn is not None and self._conn.accepted

    @_accepted.setter
    def _accepted(self, value: bool) -> None:
        # An override that sent its own websocket.accept: the engine is connected.
        conn = self._engine()
        if value and not conn.accepted:
            conn.state = _CONNECTED
            conn.accepted = True

    @property
    def _closed(self) -> bool:
        return self._conn is not None and self._conn.state == _CLOSED

    @_closed.setter
    def _closed(self, value: bool) -> None:
        # An override that sent its own websocket.close: nothing more goes out.
        conn = self._engine()
        if value and conn.state != _CLOSED:
            conn.app_closed = True
            conn._closed(1000, "")
