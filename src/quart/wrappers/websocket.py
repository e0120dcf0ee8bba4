"""The websocket connection object (``quart.websocket``)."""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import Any

from werkzeug.datastructures import Headers

from .base import BaseRequestWebsocket

if TYPE_CHECKING:
    from ..typing import WebsocketScope

__all__ = ["Websocket"]


class Websocket(BaseRequestWebsocket):
    """A websocket connection: the request attributes plus ``receive``/``send``.

    :param subprotocols: The subprotocols the client asked for.
    :param receive: Awaitable returning the next message.
    :param send: Awaitable sending a message.
    :param accept: Awaitable accepting the connection.
    :param close: Awaitable closing the connection.
    """

    def __init__(
        self,
        path: str,
        query_string: bytes,
        scheme: str,
        headers: Headers,
        root_path: str,
        http_version: str,
        subprotocols: list[str],
        receive: Callable[[], Awaitable[str | bytes]],
        send: Callable[[str | bytes], Awaitable[None]],
        accept: Callable[[Headers, str | None], Awaitable[None]],
        close: Callable[[int, str], Awaitable[None]],
        scope: WebsocketScope,
    ) -> None:
        super().__init__("GET", scheme, path, query_string, headers, root_path, http_version, scope)
        self._subprotocols = subprotocols
        self._receive = receive
        self._send = send
        self._accept = accept
        self._close = close

    @property
    def requested_subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        return self._subprotocols

    async def receive(self) -> str | bytes:
        """Wait for the next message (accepting the connection first if needed)."""
        return await self._receive()

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message."""
        await self._send(data)

    async def receive_json(self) -> Any:
        """Receive a message and parse it as JSON."""
        return self.json_module.loads(await self.receive())

    async def send_json(self, *args: Any, **kwargs: Any) -> None:
        """Send the arguments as a JSON text message (like ``jsonify``)."""
        from ..globals import current_app

        if args and kwargs:
            raise TypeError("send_json() takes either args or kwargs, not both")
        data: Any = kwargs if kwargs else (args[0] if len(args) == 1 else list(args))
        await self.send(current_app.json.dumps(data))

    async def accept(self, headers: dict[str, str] | Headers | None = None, subprotocol: str | None = None) -> None:
        """Accept the connection (done implicitly by the first send or receive).

        :param headers: Extra response headers for the handshake.
        :param subprotocol: The chosen subprotocol.
        """
        await self._accept(Headers(headers), subprotocol)

    async def close(self, code: int, reason: str = "") -> None:
        """Close the connection with ``code`` and ``reason``."""
        await self._close(code, reason)
