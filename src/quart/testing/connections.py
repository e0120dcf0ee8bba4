"""Streaming test connections (``client.request`` and ``client.websocket``).

Each connection runs the app in its own task and talks to it through two
queues, so a test can send the body in pieces and read the response chunk
by chunk while the app is still running.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any
from typing import cast
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers

from .._concurrency import cancel_tasks
from .._concurrency import create_task
from ..json import dumps as dumps
from ..json import loads as loads
from ..typing import ASGIReceiveEvent as ASGIReceiveEvent
from ..typing import ASGISendEvent as ASGISendEvent
from ..typing import HTTPScope as HTTPScope
from ..typing import WebsocketScope as WebsocketScope
from ..utils import decode_headers
from ..wrappers import Response as Response

if TYPE_CHECKING:
    from hypercorn.typing import WebsocketDisconnectEvent
    from hypercorn.typing import WebsocketReceiveEvent

    from ..app import Quart

    class _WebsocketDisconnectWithReason(WebsocketDisconnectEvent):
        # ASGI 2.4's close reason, which hypercorn's TypedDict does not list.
        reason: str


__all__ = [
    "HTTPDisconnectError",
    "TestHTTPConnection",
    "TestWebsocketConnection",
    "WebsocketDisconnectError",
    "WebsocketResponseError",
]


class HTTPDisconnectError(Exception):
    """The app finished the response; there is nothing more to receive."""


class WebsocketDisconnectError(Exception):
    """The app closed the websocket (or refused it with a plain close).

    :param code: The close code the app sent (``None`` if it ended without one).
    :param reason: The close reason, ``""`` when none was given.
    """

    def __init__(self, code: int | None = None, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        text = f"the app closed the websocket with code {self.code}"
        return f"{text}: {self.reason}" if self.reason else text


class WebsocketResponseError(Exception):
    """The app refused the websocket with an HTTP response.

    :param response: The response the app sent instead of accepting.
    """

    def __init__(self, response: Response) -> None:
        super().__init__(response)
        self.response = response


class TestHTTPConnection:
    """A request whose body is sent, and response received, piece by piece.

    :param app: The application.
    :param scope: The ASGI scope.
    """

    def __init__(self, app: Quart, scope: HTTPScope, _preserve_context: bool = False) -> None:
        self.app = app
        self.scope = scope
        self.headers: Headers | None = None
        self.status_code: int | None = None
        self.response_data = bytearray()
        self.push_promises: list[tuple[str, Headers]] = []
        # The client's own list, so its push_promises cover streamed requests too.
        self._client_push_promises: list[tuple[str, Headers]] | None = None
        self._preserve_context = _preserve_context
        self._receive_queue: asyncio.Queue[ASGIReceiveEvent] = asyncio.Queue()
        # Pieces of the body, then the error that ends the response.
        self._send_queue: asyncio.Queue[bytes | HTTPDisconnectError] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> TestHTTPConnection:
        self._task = create_task(self._run())
        return self

    async def _run(self) -> None:
        await self.app(self.scope, self._asgi_receive, self._asgi_send)

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            await self.disconnect()
        if self._task is not None:
            try:
                await self._task
            finally:
                await cancel_tasks([self._task], raise_errors=False)

    async def send(self, data: bytes) -> None:
        """Send a piece of the request body."""
        await self._receive_queue.put({"type": "http.request", "body": data, "more_body": True})

    async def send_complete(self) -> None:
        """Finish the request body."""
        await self._receive_queue.put({"type": "http.request", "body": b"", "more_body": False})

    async def receive(self) -> bytes:
        """The next piece of the response body (raises ``HTTPDisconnectError`` at the end)."""
        data = await self._send_queue.get()
        if isinstance(data, BaseException):
            raise data
        return data

    async def disconnect(self) -> None:
        """Simulate the client going away."""
        await self._receive_queue.put({"type": "http.disconnect"})

    async def as_response(self) -> Response:
        """Wait for the app to finish and return the whole response."""
        if self._task is not None:
            await self._task
        return self.app.response_class(
            bytes(self.response_data), status=self.status_code, headers=self.headers
        )

    async def _asgi_receive(self) -> ASGIReceiveEvent:
        return await self._receive_queue.get()

    async def _asgi_send(self, message: ASGISendEvent) -> None:
        if message["type"] == "http.response.start":
            self.headers = decode_headers(message["headers"])
            self.status_code = message["status"]
        elif message["type"] == "http.response.body":
            body = message["body"]
            self.response_data.extend(body)
            if body:
                await self._send_queue.put(body)
            if not message.get("more_body", False):
                await self._send_queue.put(HTTPDisconnectError())
                await self._receive_queue.put({"type": "http.disconnect"})
        elif message["type"] == "http.response.push":
            promise = (message["path"], decode_headers(message["headers"]))
            self.push_promises.append(promise)
            if self._client_push_promises is not None:
                self._client_push_promises.append(promise)


class TestWebsocketConnection:
    """A websocket to the app (see ``QuartClient.websocket``)::

        async with client.websocket("/ws") as ws:
            await ws.send("hello")
            assert await ws.receive() == "hello"

    Leaving the block disconnects (unless :meth:`close` was called) and waits
    for the app to finish. Once the app has closed the websocket,
    :meth:`receive` raises :class:`WebsocketDisconnectError` (every time);
    if it refused the connection with a response, :class:`WebsocketResponseError`.

    :param app: The application.
    :param scope: The ASGI scope.
    """

    def __init__(self, app: Quart, scope: WebsocketScope) -> None:
        self.app = app
        self.scope = scope
        #: Whether the app accepted the websocket.
        self.accepted = False
        #: The subprotocol the app chose when accepting.
        self.subprotocol: str | None = None
        #: The extra headers the app sent when accepting.
        self.accept_headers: Headers | None = None
        #: Status, headers and body of a refusal response.
        self.status_code: int | None = None
        self.headers: Headers | None = None
        self.response_data = bytearray()
        #: The close code and reason the app sent, once it closed.
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self._receive_queue: asyncio.Queue[ASGIReceiveEvent] = asyncio.Queue()
        # Messages from the app, and the error that ends the websocket.
        self._send_queue: asyncio.Queue[str | bytes | BaseException] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._end: BaseException | None = None
        self._client_closed = False
        self._accepted = asyncio.Event()

    async def __aenter__(self) -> TestWebsocketConnection:
        self._task = create_task(self.app(self.scope, self._asgi_receive, self._asgi_send))
        await self._receive_queue.put({"type": "websocket.connect"})
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self._client_closed:
            await self.disconnect()
        if self._task is None:
            return
        try:
            if exc_type is None:
                await self._task
        finally:
            await cancel_tasks([self._task], raise_errors=False)
        while not self._send_queue.empty():
            item = self._send_queue.get_nowait()
            if isinstance(item, WebsocketResponseError) and exc_type is None:
                raise item

    async def receive(self) -> str | bytes:
        """The next message from the app: ``str`` for text, ``bytes`` for binary.

        :raises WebsocketDisconnectError: The app closed the websocket.
        :raises WebsocketResponseError: The app refused it with a response.
        """
        queue = self._send_queue
        if not queue.empty():
            item = queue.get_nowait()
        elif self._end is not None:
            raise self._end
        else:
            item = await self._next_from_app(queue)
        if isinstance(item, BaseException):
            raise item
        return item

    async def _next_from_app(
        self, queue: asyncio.Queue[str | bytes | BaseException]
    ) -> str | bytes | BaseException:
        # Wait for a message, or for the app to end without sending one (an
        # error escaping a middleware), so a test never hangs on a dead app.
        task = self._task
        if task is None:
            raise RuntimeError("Use the connection as 'async with client.websocket(...) as ws:'.")
        getter = create_task(queue.get())
        try:
            await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await cancel_tasks([getter], raise_errors=False)
        if getter.done() and not getter.cancelled():
            return getter.result()
        if task.done() and not task.cancelled():
            error = task.exception()
            if error is not None:
                raise error
        self._end = WebsocketDisconnectError(None, "the app ended without closing the websocket")
        raise self._end

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message to the app."""
        message: dict[str, object]
        if isinstance(data, str):
            message = {"type": "websocket.receive", "text": data}
        elif isinstance(data, bytes | bytearray | memoryview):
            message = {"type": "websocket.receive", "bytes": bytes(data)}
        else:
            raise TypeError(
                f"A websocket message is str or bytes, not {type(data).__name__}: use send_json()."
            )
        # Only the key in use, as Quart's test client sends it: ASGI lets the
        # other be absent, where hypercorn's TypedDict lists both.
        await self._receive_queue.put(cast("WebsocketReceiveEvent", message))

    async def receive_json(self) -> Any:
        """Receive a message and parse it as JSON."""
        from .. import json

        return json.loads(await self.receive())

    async def send_json(self, data: object) -> None:
        """Send ``data`` as a JSON text message."""
        from .. import json

        await self.send(json.dumps(data))

    async def close(self, code: int, reason: str = "") -> None:
        """Close the websocket from the client side with ``code`` and ``reason``."""
        self._client_closed = True
        message: _WebsocketDisconnectWithReason = {
            "type": "websocket.disconnect",
            "code": code,
            "reason": reason,
        }
        await self._receive_queue.put(message)

    async def disconnect(self) -> None:
        """Vanish without a close frame (the app sees code 1006)."""
        self._client_closed = True
        await self._receive_queue.put({"type": "websocket.disconnect", "code": 1006})

    async def _asgi_receive(self) -> ASGIReceiveEvent:
        message = await self._receive_queue.get()
        if message["type"] == "websocket.receive" and not self.accepted:
            # As over a network, data sent early arrives only after the
            # handshake: hold it until the app accepts.
            await self._accepted.wait()
        return message

    async def _asgi_send(self, message: ASGISendEvent) -> None:
        if message["type"] == "websocket.send":
            text = message.get("text")
            await self._send_queue.put(text if text is not None else message.get("bytes") or b"")
        elif message["type"] == "websocket.accept":
            self.accepted = True
            self._accepted.set()
            self.subprotocol = message.get("subprotocol")
            self.accept_headers = decode_headers(message.get("headers") or [])
        elif message["type"] == "websocket.http.response.start":
            self.headers = decode_headers(message["headers"])
            self.status_code = message["status"]
        elif message["type"] == "websocket.http.response.body":
            self.response_data.extend(message["body"])
            if not message.get("more_body", False):
                response = self.app.response_class(
                    bytes(self.response_data), status=self.status_code, headers=self.headers
                )
                self._end = WebsocketResponseError(response)
                await self._send_queue.put(self._end)
        elif message["type"] == "websocket.close":
            self.close_code = message.get("code", 1000)
            self.close_reason = message.get("reason") or ""
            self._end = WebsocketDisconnectError(self.close_code, self.close_reason)
            await self._send_queue.put(self._end)
