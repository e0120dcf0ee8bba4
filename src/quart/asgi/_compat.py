"""Quart 0.22's ASGI connection classes, with their overridable steps.

``app.asgi_http_class`` and ``app.asgi_websocket_class`` name these classes.
As they come, each ``__call__`` hands the connection to this package's own
engine (:func:`handle_http`, :func:`handle_websocket`). A subclass that
overrides one of Quart's steps (``handle_messages``, ``handle_request``,
``_send_response``, ``send_data``, ...) is served the way Quart serves it,
through those steps, so the override takes effect:

* HTTP: a reader task (``handle_messages``) fills the request body while
  ``handle_request`` runs the app and ``_send_response`` sends the answer;
  whichever ends first cancels the other (a client that disconnects cancels
  the handler).
* Websocket: a reader task (``handle_messages``) queues incoming messages;
  the websocket object receives from that queue and sends, accepts and
  closes through ``send_data``, ``accept_connection`` and
  ``close_connection``; ``handle_websocket`` runs the app and then closes
  (or refuses with the app's response).

Everything else (limits, timeouts, error handling, the refusal response) is
the engine's.
"""

from __future__ import annotations

import asyncio
import functools
from types import SimpleNamespace
from typing import Any
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers

from ..wrappers.base import ClientDisconnectedError
from ..wrappers.websocket import WebsocketDisconnect
from ._common import _BadHead
from ._common import _being_cancelled
from ._common import _encode_headers
from ._http import _push
from ._http import _send_error
from ._http import _unhandled
from ._http import handle_http
from ._http import request_from_scope
from ._http import send_response
from ._websocket import _check_close
from ._websocket import _plain_500
from ._websocket import _send_denial
from ._websocket import _spec_version
from ._websocket import handle_websocket
from ._websocket import websocket_from_scope

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import ASGIReceiveCallable
    from ..typing import ASGISendCallable
    from ..typing import HTTPScope
    from ..typing import ResponseTypes
    from ..typing import WebsocketScope
    from ..wrappers import Request
    from ..wrappers import Websocket

_HTTP_STEPS = (
    "_create_request_from_scope",
    "_send_push_promise",
    "_send_response",
    "handle_messages",
    "handle_request",
)
_WEBSOCKET_STEPS = (
    "_create_websocket_from_scope",
    "accept_connection",
    "close_connection",
    "handle_messages",
    "handle_websocket",
    "send_data",
)
_OVERRIDES: dict[type, bool] = {}


def _overrides_steps(cls: type, base: type, steps: tuple[str, ...]) -> bool:
    """Whether ``cls`` replaces any of ``base``'s steps (cached per class)."""
    result = _OVERRIDES.get(cls)
    if result is None:
        result = any(getattr(cls, name) is not getattr(base, name) for name in steps)
        _OVERRIDES[cls] = result
    return result


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

    def __init__(self, app: Quart, scope: HTTPScope) -> None:
        self.app = app
        self.scope = scope
        self._request: Request | None = None

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        """Serve the request."""
        if not _overrides_steps(type(self), ASGIHTTPConnection, _HTTP_STEPS):
            await handle_http(self.app, self.scope, receive, send)
            return
        try:
            request = self._create_request_from_scope(send)
        except _BadHead:
            await _send_error(send, 400, close=True)
            return
        await _run_until_first_ends(
            self.handle_messages(request, receive), self.handle_request(request, send)
        )

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
        try:
            response = await self.app.handle_request(request)
        except ClientDisconnectedError:
            return
        except Exception as error:
            response = await _unhandled(self.app, request, error)
        except asyncio.CancelledError as error:
            if _being_cancelled():
                raise
            # Raised by the app itself: an error, not a cancellation.
            response = await _unhandled(self.app, request, error)
        try:
            await self._send_response(send, response)
        except (ClientDisconnectedError, OSError):
            return

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

    def __init__(self, app: Quart, scope: WebsocketScope) -> None:
        self.app = app
        self.scope = scope
        #: Messages received and not yet read by the app.
        self.queue: asyncio.Queue[str | bytes] = asyncio.Queue()
        self._accepted = False
        self._closed = False

    async def __call__(self, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
        """Serve the connection until it closes."""
        if not _overrides_steps(type(self), ASGIWebsocketConnection, _WEBSOCKET_STEPS):
            await handle_websocket(self.app, self.scope, receive, send)
            return
        message: Any = await receive()
        if message["type"] != "websocket.connect":
            return  # The client left during the handshake.
        try:
            websocket = self._create_websocket_from_scope(send)
        except _BadHead:
            await send(self._close_message(1002, ""))
            return
        await _run_until_first_ends(
            self.handle_messages(receive), self.handle_websocket(websocket, send)
        )

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
                self._closed = True
                return

    async def handle_websocket(self, websocket: Websocket, send: ASGISendCallable) -> None:
        """Run the app for ``websocket``; then close it, or refuse it with
        the app's response if it was never accepted.

        :param websocket: The websocket being served.
        :param send: The ASGI send callable.
        """
        try:
            response = await self.app.handle_websocket(websocket)
        except ClientDisconnectedError:
            return
        except (Exception, asyncio.CancelledError) as error:
            if isinstance(error, asyncio.CancelledError) and _being_cancelled():
                raise  # A real cancellation; one the app raised itself is an error.
            self.app.logger.error(
                "Exception on websocket", exc_info=(type(error), error, error.__traceback__)
            )
            response = _plain_500(self.app)
            if self._accepted:
                await self.close_connection(send, 1011, "")
                return
        if response is not None and not self._accepted:
            if "websocket.http.response" in (self.scope.get("extensions") or {}):
                await _send_denial(self.app, response, send)
            else:
                await send(self._close_message(1000, ""))
        elif self._accepted and not self._closed:
            await self.close_connection(send, 1000, "")

    async def _receive_data(self, send: ASGISendCallable) -> str | bytes:
        if not self._accepted:
            await self.accept_connection(send, Headers(), None)
        return await self.queue.get()

    async def send_data(self, send: ASGISendCallable, data: str | bytes) -> None:
        """Send one message (accepting the connection first if needed).

        :param send: The ASGI send callable.
        :param data: ``str`` for a text message, ``bytes`` for a binary one.
        """
        if not self._accepted:
            await self.accept_connection(send, Headers(), None)
        if self._closed:
            raise WebsocketDisconnect(1005, "")
        message: Any
        if isinstance(data, str):
            message = {"type": "websocket.send", "bytes": None, "text": data}
        else:
            message = {"type": "websocket.send", "bytes": bytes(data), "text": None}
        await send(message)

    async def accept_connection(
        self, send: ASGISendCallable, headers: Headers, subprotocol: str | None
    ) -> None:
        """Accept the connection (once; later calls do nothing).

        :param send: The ASGI send callable.
        :param headers: Extra headers for the handshake response.
        :param subprotocol: The chosen subprotocol, if any.
        """
        if self._accepted:
            return
        message: dict[str, Any] = {
            "type": "websocket.accept",
            "subprotocol": subprotocol,
            "headers": [],
        }
        if headers:
            message["headers"] = _encode_headers(headers)
        self._accepted = True
        await send(message)  # type: ignore[arg-type]

    async def close_connection(self, send: ASGISendCallable, code: int, reason: str) -> None:
        """Close the connection.

        :param send: The ASGI send callable.
        :param code: The websocket close code.
        :param reason: The close reason.
        """
        _check_close(code, reason)
        if self._closed:
            return
        self._closed = True
        await send(self._close_message(code, reason))

    def _close_message(self, code: int, reason: str) -> Any:
        """The ``websocket.close`` message, shaped as Quart shapes it."""
        message: dict[str, Any] = {"type": "websocket.close", "code": code}
        if _spec_version(self.scope) >= (2, 3):
            message["reason"] = reason  # Always there, "" when none (as Quart).
        return message
