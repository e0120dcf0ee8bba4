"""Streaming test connections (``client.request`` and ``client.websocket``).

Each connection runs the app in its own task and talks to it through two
queues, so a test can send the body in pieces and read the response chunk
by chunk while the app is still running.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.datastructures import Headers

from .._concurrency import cancel_tasks
from .._concurrency import create_task
from ..utils import decode_headers

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import HTTPScope
    from ..typing import WebsocketScope
    from ..wrappers import Response

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
    """The websocket was closed."""


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
        self._preserve_context = _preserve_context
        self._receive_queue: asyncio.Queue[Any] = asyncio.Queue()
        self._send_queue: asyncio.Queue[Any] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> TestHTTPConnection:
        self._task = create_task(self.app(self.scope, self._asgi_receive, self._asgi_send))  # type: ignore[arg-type]
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is not None:
            await self.disconnect()
        if self._task is not None:
            try:
                await self._task
            finally:
                await cancel_tasks([self._task])

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
        return data  # type: ignore[no-any-return]

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

    async def _asgi_receive(self) -> Any:
        return await self._receive_queue.get()

    async def _asgi_send(self, message: Any) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.headers = decode_headers(message["headers"])
            self.status_code = message["status"]
        elif kind == "http.response.body":
            self.response_data.extend(message["body"])
            if message["body"]:
                await self._send_queue.put(message["body"])
            if not message.get("more_body", False):
                await self._send_queue.put(HTTPDisconnectError())
                await self._receive_queue.put({"type": "http.disconnect"})
        elif kind == "http.response.push":
            self.push_promises.append((message["path"], decode_headers(message["headers"])))


class TestWebsocketConnection:
    """A websocket to the app (see ``QuartClient.websocket``).

    :param app: The application.
    :param scope: The ASGI scope.
    """

    def __init__(self, app: Quart, scope: WebsocketScope) -> None:
        self.app = app
        self.scope = scope
        self.accepted = False
        self.headers: Headers | None = None
        self.status_code: int | None = None
        self.response_data = bytearray()
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self._receive_queue: asyncio.Queue[Any] = asyncio.Queue()
        self._send_queue: asyncio.Queue[Any] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> TestWebsocketConnection:
        self._task = create_task(self.app(self.scope, self._asgi_receive, self._asgi_send))  # type: ignore[arg-type]
        await self._receive_queue.put({"type": "websocket.connect"})
        return self

    async def __aexit__(
        self, exc_type: type | None, exc_value: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.disconnect()
        if self._task is not None:
            try:
                await self._task
            finally:
                await cancel_tasks([self._task])
        while not self._send_queue.empty():
            item = self._send_queue.get_nowait()
            if isinstance(item, WebsocketResponseError) and exc_type is None:
                raise item

    async def receive(self) -> str | bytes:
        """The next message from the app."""
        item = await self._send_queue.get()
        if isinstance(item, BaseException):
            raise item
        return item  # type: ignore[no-any-return]

    async def send(self, data: str | bytes) -> None:
        """Send a message to the app."""
        if isinstance(data, str):
            await self._receive_queue.put({"type": "websocket.receive", "text": data})
        else:
            await self._receive_queue.put({"type": "websocket.receive", "bytes": data})

    async def receive_json(self) -> Any:
        """Receive a message and parse it as JSON."""
        from .. import json

        return json.loads(await self.receive())

    async def send_json(self, data: Any) -> None:
        """Send ``data`` as a JSON text message."""
        from .. import json

        await self.send(json.dumps(data))

    async def close(self, code: int, reason: str = "") -> None:
        """Close the websocket with ``code``."""
        await self._receive_queue.put({"type": "websocket.disconnect", "code": code, "reason": reason})

    async def disconnect(self) -> None:
        """Vanish (abnormal closure, 1006)."""
        await self._receive_queue.put({"type": "websocket.disconnect", "code": 1006})

    async def _asgi_receive(self) -> Any:
        return await self._receive_queue.get()

    async def _asgi_send(self, message: Any) -> None:
        kind = message["type"]
        if kind == "websocket.accept":
            self.accepted = True
        elif kind == "websocket.send":
            text = message.get("text")
            await self._send_queue.put(text if text is not None else message.get("bytes"))
        elif kind == "websocket.http.response.start":
            self.headers = decode_headers(message["headers"])
            self.status_code = message["status"]
        elif kind == "websocket.http.response.body":
            self.response_data.extend(message["body"])
            if not message.get("more_body", False):
                response = self.app.response_class(
                    bytes(self.response_data), status=self.status_code, headers=self.headers
                )
                await self._send_queue.put(WebsocketResponseError(response))
        elif kind == "websocket.close":
            self.close_code = message.get("code", 1000)
            self.close_reason = message.get("reason", "")
            await self._send_queue.put(WebsocketDisconnectError(self.close_code, self.close_reason))
