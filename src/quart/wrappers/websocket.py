"""The websocket connection object (``quart.websocket``).

Exceptions::

    ClientDisconnectedError          (wrappers.base) the client went away
      WebsocketDisconnect            the websocket is closed; carries the
                                     close ``code`` and ``reason``

When the client leaves, a task waiting in :meth:`Websocket.receive` is
cancelled, as on Quart; the close code and reason are then in
:attr:`Websocket.close_code` and :attr:`Websocket.close_reason`. With
``app.config["WEBSOCKET_DISCONNECT_EXCEPTION"] = True`` (or
``websocket.raise_on_disconnect = True`` in one handler) it gets
:class:`WebsocketDisconnect` instead.

:class:`Websocket` holds no I/O of its own: the ASGI adapter hands it the
``receive``/``send``/``accept``/``close`` callables (see the websocket
section of :mod:`quart.asgi` for how messages flow and when the handler is
cancelled).
"""

from __future__ import annotations

from collections.abc import Awaitable
from collections.abc import Callable
from typing import Any
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers

from .. import signals
from .base import BaseRequestWebsocket
from .base import ClientDisconnectedError

if TYPE_CHECKING:
    from ..typing import WebsocketScope

__all__ = ["Websocket", "WebsocketDisconnect"]


class WebsocketDisconnect(ClientDisconnectedError):
    """The websocket is closed, so nothing more can be received or sent.

    Raised by :meth:`Websocket.send`, and by :meth:`Websocket.receive` (once
    the messages that arrived before the close are used up) when the app
    opted in with ``WEBSOCKET_DISCONNECT_EXCEPTION`` or
    :attr:`Websocket.raise_on_disconnect`; otherwise a task in ``receive()``
    is cancelled, as on Quart. ``code``
    and ``reason`` are the client's when it closed (``1006`` with no reason
    when it vanished without a close frame, ``1009`` when the framework
    closed it for an oversized message), or the app's own after
    :meth:`Websocket.close`.

    Letting it escape the view ends the websocket normally: ``after_websocket``
    functions and ``websocket_finished`` run, nothing is logged.

    :param code: The websocket close code (RFC 6455 §7.4).
    :param reason: The close reason, ``""`` when none was given.

    .. versionadded:: 0.23 (this project; Quart issue #281)
    """

    def __init__(self, code: int = 1005, reason: str = "") -> None:
        super().__init__(code, reason)
        #: The close code.
        self.code = code
        #: The close reason (``""`` when none was given).
        self.reason = reason

    def __str__(self) -> str:
        if self.reason:
            return f"websocket closed with code {self.code}: {self.reason}"
        return f"websocket closed with code {self.code}"


def _is_disconnect(error: BaseException) -> bool:
    """Whether ``error`` only says the client went away (possibly grouped,
    as a :class:`asyncio.TaskGroup` running a reader and a writer raises it)."""
    if isinstance(error, ClientDisconnectedError):
        return True
    if isinstance(error, BaseExceptionGroup):
        return error.split(ClientDisconnectedError)[1] is None
    return False


class Websocket(BaseRequestWebsocket):
    """A websocket connection: the request attributes plus ``receive``/``send``.

    The connection is accepted implicitly by the first :meth:`receive` or
    :meth:`send`; call :meth:`accept` first to choose a subprotocol or add
    headers, or return (or abort with) a response before accepting to refuse
    the connection with that response.

    :param subprotocols: The subprotocols the client asked for.
    :param receive: Awaitable returning the next message.
    :param send: Awaitable sending a message.
    :param accept: Awaitable accepting the connection.
    :param close: Awaitable closing the connection.
    """

    #: The engine serving this websocket (set when it is served), which
    #: knows how it closed.
    _connection: Any = None

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
        # BaseRequestWebsocket.__init__("GET", ...), inlined (a call per
        # connection; bench: ws_connect): keep the two in step.
        client = scope.get("client")
        self.method = "GET"
        self.scheme = scheme
        self.server = scope.get("server")
        self.root_path = root_path.rstrip("/")
        self.path = "/" + path.lstrip("/")
        self.query_string = query_string
        self.headers = headers
        self.remote_addr = client[0] if client else "<local>"
        self.http_version = http_version
        self.scope = scope
        self._subprotocols = subprotocols
        self._receive = receive
        self._send = send
        self._accept = accept
        self._close = close

    @property
    def requested_subprotocols(self) -> list[str]:
        """The subprotocols the client offered, in its order of preference."""
        return self._subprotocols

    @property
    def close_code(self) -> int | None:
        """How the websocket closed, once it has: the client's close code
        (1005 if it gave none, 1006 if it vanished; Hypercorn reports 1006
        for every client close), the code of the app's own :meth:`close`,
        1009 for a message over ``WEBSOCKET_MAX_MESSAGE_SIZE``, 1001 when
        the server cancelled the handler to shut down (uvicorn reports its
        own 1012 instead), and, from ``after_websocket``/``teardown_websocket``
        on, 1000 for a normal end, 1011 for an error (1008/1011 for a 4xx/5xx
        response). ``None`` while open, and for a connection refused with a
        response before accepting.

        Readable in the handler's ``finally:``, in ``after_websocket`` and in
        ``teardown_websocket``.
        """
        connection = self._connection
        return None if connection is None else connection.close_code

    @property
    def close_reason(self) -> str | None:
        """The close reason that goes with :attr:`close_code` (``""`` when
        none was given; ``None`` while open)."""
        connection = self._connection
        return None if connection is None else connection.close_reason

    @property
    def raise_on_disconnect(self) -> bool:
        """Whether :meth:`receive` raises :class:`WebsocketDisconnect` once
        the websocket is closed, instead of cancelling the task that called
        it (as Quart does). Defaults to ``WEBSOCKET_DISCONNECT_EXCEPTION``;
        set it in a handler to choose for that connection only::

            websocket.raise_on_disconnect = True
        """
        connection = self._connection
        return False if connection is None else connection.raise_on_disconnect

    @raise_on_disconnect.setter
    def raise_on_disconnect(self, value: bool) -> None:
        connection = self._connection
        if connection is None:
            raise RuntimeError("The websocket is not being served: nothing to configure.")
        connection.raise_on_disconnect = bool(value)

    async def receive(self) -> str | bytes:
        """Wait for the next message: ``str`` for a text message, ``bytes``
        for a binary one (empty messages included).

        Accepts the connection first if needed. Once the websocket is closed
        (the client left, the server is shutting down, the app closed it) and
        the messages that came before the close are used up, the calling
        task is cancelled, as on Quart (see :attr:`close_code` for why).

        :raises WebsocketDisconnect: The websocket is closed, and
            :attr:`raise_on_disconnect` is on; the exception carries the
            close code and reason.
        """
        data = await self._receive()
        if signals.websocket_received.receivers:
            from ..globals import current_app

            await signals.websocket_received.send_async(
                data, _sync_wrapper=current_app.ensure_async
            )
        return data

    async def send(self, data: str | bytes) -> None:
        """Send a text (``str``) or binary (``bytes``) message.

        Accepts the connection first if needed.

        :raises WebsocketDisconnect: The websocket is closed.
        """
        await self._send(data)
        if signals.websocket_sent.receivers:
            from ..globals import current_app

            await signals.websocket_sent.send_async(data, _sync_wrapper=current_app.ensure_async)

    async def receive_json(self) -> Any:
        """Receive a message and parse it as JSON (a ``ValueError`` if it is not)."""
        return self.json_module.loads(await self.receive())

    async def send_json(self, *args: Any, **kwargs: Any) -> None:
        """Send the arguments as a JSON text message, as ``jsonify`` takes them:
        one positional argument as itself, several as a list, or keyword
        arguments as an object."""
        from ..globals import current_app

        if args and kwargs:
            raise TypeError("send_json() takes either positional or keyword arguments, not both.")
        data: Any = kwargs if kwargs else (args[0] if len(args) == 1 else list(args))
        await self.send(current_app.json.dumps(data))

    async def accept(
        self, headers: dict[str, str] | Headers | None = None, subprotocol: str | None = None
    ) -> None:
        """Accept the connection; later calls do nothing.

        :param headers: Extra headers for the handshake response (needs a
            server speaking ASGI websocket spec 2.1 or later).
        :param subprotocol: The chosen subprotocol, one of
            :attr:`requested_subprotocols`.
        """
        await self._accept(Headers(headers), subprotocol)

    async def close(self, code: int, reason: str = "") -> None:
        """Close the connection (before accepting: refuse it, which servers
        answer with 403). Closing twice raises ``RuntimeError``; closing after
        the client left does nothing.

        :param code: The close code, e.g. 1000 (normal) or 4000-4999 (yours).
        :param reason: A short reason (needs ASGI websocket spec 2.3).
        """
        await self._close(code, reason)
