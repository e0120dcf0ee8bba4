"""Serving one websocket connection."""

from __future__ import annotations

import asyncio
import functools
import types
import warnings
from asyncio import current_task as _current_task
from collections import deque
from collections.abc import Generator
from typing import Any
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers

from ..wrappers.websocket import WebsocketDisconnect
from ._common import _being_cancelled
from ._common import _encode_headers
from ._disconnect import _CURRENT_TASKS
from ._messages import websocket_close
from ._messages import websocket_disconnect_info
from ._refusal import send_refusal

if TYPE_CHECKING:
    from ..app import Quart
    from ..typing import ASGIReceiveCallable
    from ..typing import ASGIReceiveEvent
    from ..typing import ASGISendCallable
    from ..typing import WebsocketScope
    from ..wrappers import Response
    from ._messages import WebsocketAcceptEvent
    from ._messages import WebsocketSendEvent


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
# echo loop costs no extra task switch). Whenever the handler's task suspends
# outside ``receive()`` (a ``before_websocket`` that awaits, an accept the
# server makes wait, any await of its own between two receives), the serving
# coroutine, which runs the pipeline step by step (``_websocket_serve._drive``),
# arms the connection's reader task with ``call_soon``: the reader then pulls
# in the handler's place, keeping at most ``_READ_AHEAD`` messages (about
# ``_READ_AHEAD_BYTES``) until the app reads them, and stops pulling once the
# handler is back in ``receive()``. A handler that only ever waits in
# ``receive()`` never arms it and has no reader task. Another task's
# ``receive()`` (one the handler started) arms it as it returns, since the
# handler may be busy for good. So the server is pulled from only as the app
# consumes, and its own flow control holds back a client that sends faster
# than the app reads; reading ahead this little is what lets the framework
# see the client leave while the handler is busy. Messages it holds are
# handed over in order.
#
# When the client leaves (``websocket.disconnect``, any code) the close is
# queued behind the messages that came before it:
# * a task in ``receive()`` gets those messages, then is told: by default,
#   as on Quart, it is **cancelled** (``asyncio.CancelledError``; the handler's
#   own cancellation is undone at the end, see ``absorb_cancel``), or, with
#   ``WEBSOCKET_DISCONNECT_EXCEPTION`` (or ``websocket.raise_on_disconnect``),
#   it gets :class:`WebsocketDisconnect` with the code and reason. ``send()``
#   raises :class:`WebsocketDisconnect` either way: nobody is listening;
# * if the handler's own task is not the one that hears it (nothing is left
#   unread and it is not waiting in ``receive()``, it has never called it, or
#   the receiving is done by a task it started, as in Quart's broadcast
#   example), the handler is cancelled as well, since it may be awaiting
#   something that never ends.
# Why not a ``WebsocketDisconnect`` that subclasses ``CancelledError``: a
# TaskGroup tests ``et is CancelledError`` exactly (3.11), so a subclass
# raised in its body comes out as a ``BaseExceptionGroup`` that ``except
# asyncio.CancelledError`` misses, and one raised in a child is swallowed as
# a cancelled child. A real cancellation behaves as on Quart everywhere.
# Either way the context tears down as for any request, and the reader is
# cancelled and awaited before this function returns: no task outlives the
# connection.
#
# The close code the app sees (``websocket.close_code``/``close_reason``):
# the first of the client's (1005 with none, 1006 vanished), 1009 (too big),
# the app's own ``close()``, 1006 (the server refused a send), and, decided
# just before the teardown functions run (``settle``), 1000 for a normal end,
# 1008/1011 for a 4xx/5xx response, 1011 for an error, 1001 when the server
# cancelled the handler (shutdown). ``None`` while open, and for a connection
# refused with a response before accepting.
#
# When the app closes (``websocket.close()``, from any task) the socket is
# marked closed at once, but the tasks waiting in ``receive()`` are woken
# only once the close message has been handed to the server: a handler that
# reacts to being told (cancelled, or ``WebsocketDisconnect``) by cancelling
# the task that closed (a handshake-deadline task, say) cannot stop the close
# from going out. They are then told as when the client leaves (Quart leaves
# them waiting until the client's own close comes back).
#
# Cancellation: only a cancellation of the serving task itself (the client
# left, shutdown, a timeout: ``Task.cancelling()``) ends the connection
# quietly. ``asyncio.CancelledError`` raised by app code on its own is an
# error like any other (logged, 1011 or a 500 refusal, teardown gets it).
#
# At the end: a handler that returned on an accepted socket is closed with
# 1000 (1008 for a 4xx response, 1011 for a 5xx, e.g. after an unhandled
# error); one that refused before accepting has its response sent with the
# ``websocket.http.response`` extension, or a plain close (the server's 403).
#
# Message shapes follow Quart's, key for key: ``websocket.accept`` always
# has ``headers`` (empty before spec 2.1) and ``subprotocol``;
# ``websocket.send`` has both ``bytes`` and ``text`` (one of them ``None``);
# ``websocket.close`` has ``reason`` (``""`` when none) from spec 2.3 on.

# Server shutdown: ``app.run``/``run_task`` call :func:`close_open_websockets`
# when the shutdown signal comes, before waiting for connections to end: each
# open websocket is closed with 1001 (going away), handled as if the client
# had left (the handler is cancelled, or ``receive()`` raises
# ``WebsocketDisconnect(1001)`` when the app opted into the exception;
# ``websocket.close_code`` is 1001; teardown runs). Without it Hypercorn
# leaves them open until its graceful timeout and then cuts them (1011, or
# no close frame).

_READ_AHEAD = 4
_BINARY = (bytes, bytearray, memoryview)
_READ_AHEAD_BYTES = 64 * 1024
_HANDSHAKE = 0
_CONNECTED = 1
_CLOSED = 2
#: An empty deque's stand-in until one is needed (see _WebsocketConnection.__init__).
_NONE_YET: Any = ()


@functools.lru_cache(maxsize=16)  # Parsed once per server, not per connection (bench: ws_connect).
def _spec_features(raw: str) -> tuple[bool, bool]:
    """Whether the spec_version ``raw`` lets accept carry headers, and close a reason."""
    try:
        spec = tuple(int(part) for part in raw.split("."))
    except ValueError:
        spec = (2, 0)
    return spec > (2, 0), spec >= (2, 3)


@types.coroutine
def _next_step() -> Generator[None]:  # asyncio.sleep(0) without the call around it.
    yield


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
        "_arm_handle", "_armed", "_buffer", "_buffered", "_go", "_handler_receiving", "_loop",
        "_may_read", "_others_receive", "_pulling", "_reader", "_receive", "_send",
        "_sent_since_receive", "_task", "_waiters", "accepted", "app_closed", "close_code",
        "close_info", "close_reason", "extensions", "finished", "headers_ok", "max_size",
        "raise_on_disconnect", "reading", "reason_ok", "state", "we_cancelled",
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
        spec = (scope.get("asgi") or {}).get("spec_version") or "2.0"
        self.headers_ok, self.reason_ok = _spec_features(spec)
        self.extensions = scope.get("extensions") or {}
        self.max_size: int | None = app.config["WEBSOCKET_MAX_MESSAGE_SIZE"]
        self.state = _HANDSHAKE
        self.accepted = False
        self.app_closed = False
        self.close_info = (1005, "")
        #: What the app sees as ``websocket.close_code``/``close_reason``.
        self.close_code: int | None = None
        self.close_reason: str | None = None
        #: Tell tasks in receive() with WebsocketDisconnect instead of cancelling them.
        self.raise_on_disconnect = bool(app.config.get("WEBSOCKET_DISCONNECT_EXCEPTION"))
        self.reading = False  # The app has called receive().
        self._handler_receiving = False  # The handler's own task is in receive().
        self._others_receive = False  # Another task (one the handler started) has called it.
        self.finished = False  # The pipeline is over: never cancel it now.
        self.we_cancelled = 0  # How many times we cancelled the handler's task.
        # Made when first needed (the reader's first message, a second task
        # waiting in receive()): empty tuples until then; the usual handler
        # needs neither (bench: ws_connect).
        self._buffer: deque[str | bytes] = _NONE_YET
        self._buffered = 0
        self._waiters: deque[asyncio.Future[None]] = _NONE_YET
        self._pulling = False  # Someone is inside the server's receive().
        self._armed = True  # The reader should pull (the app is not receiving).
        self._arm_handle: asyncio.Handle | None = None
        self._go: asyncio.Future[None] | None = None  # The parked reader waits on it.
        self._sent_since_receive = False
        self._loop = loop = asyncio.get_running_loop()
        self._task = _CURRENT_TASKS.get(loop) if _CURRENT_TASKS is not None else _current_task(loop)
        self._reader: asyncio.Task[None] | None = None
        self._may_read = False  # Being served: _arm may start the reader.

    # The four callables the Websocket wrapper is given.

    async def receive(self) -> str | bytes:
        if self.state == _HANDSHAKE:
            await self.accept(None, None)
        self.reading = True
        # asyncio.current_task() without its Python call on 3.11 (see
        # _CURRENT_TASKS; bench: ws_echo, one per message).
        tasks = _CURRENT_TASKS
        mine = (
            tasks.get(self._loop) if tasks is not None else _current_task(self._loop)
        ) is self._task
        if mine:
            self._handler_receiving = True
        else:
            self._others_receive = True
        handle = self._arm_handle
        if handle is not None:
            handle.cancel()  # Back before the reader ran: it stays parked.
            self._arm_handle = None
        self._armed = False
        data: str | bytes | None
        try:
            while not self._buffer:  # Read again: the reader may make it meanwhile.
                if self.state == _CLOSED:
                    # Told here, not in a helper coroutine (bench: ws_connect).
                    if self.raise_on_disconnect:
                        raise WebsocketDisconnect(*self.close_info)
                    task = self._task if mine else _current_task(self._loop)
                    if task is None:
                        raise WebsocketDisconnect(*self.close_info)
                    if mine:
                        self.we_cancelled += 1  # Undone by absorb_cancel at the end.
                    # A real cancellation (Task.cancelling() counts it), delivered at
                    # the next step: exactly one CancelledError, as on Quart.
                    task.cancel()
                    await _next_step()
                    raise asyncio.CancelledError  # Not reached: the step raises.
                if not self._pulling:
                    # Pulled here, not in a helper coroutine (bench: ws_echo).
                    self._pulling = True
                    try:
                        message = await self._receive()
                    finally:
                        self._pulling = False
                    if message["type"] == "websocket.receive" and self.state != _CLOSED:
                        data = message.get("text")
                        if data is None:
                            data = message.get("bytes") or b""
                        max_size = self.max_size
                        if max_size is None or len(data) * 4 <= max_size:
                            self._sent_since_receive = False
                            return data
                    elif message["type"] == "websocket.disconnect":
                        if mine and self.state != _CLOSED:
                            # _ended(*websocket_disconnect_info(message)) for the
                            # handler's own receive(), inlined: nothing is
                            # buffered (it is pulling) and it is told right
                            # here. Three calls less per connection (bench:
                            # ws_connect). Keep in step with both.
                            code = message.get("code") or 1005
                            reason: Any = message.get("reason")
                            info = (code, reason if isinstance(reason, str) else "")
                            self.state = _CLOSED
                            self.close_info = info
                            if self.close_code is None:
                                self.close_code, self.close_reason = info
                            self._buffered = 0
                            if self._go is not None:
                                self._wake_reader()
                            if self._waiters:
                                self._wake(everyone=True)
                        else:
                            self._ended(*websocket_disconnect_info(message))
                        continue
                    data = await self._took(message)
                    if data is not None:
                        self._sent_since_receive = False
                        return data
                    continue
                waiter: asyncio.Future[None] = self._loop.create_future()
                waiters = self._waiters
                if waiters is _NONE_YET:
                    waiters = self._waiters = deque()
                waiters.append(waiter)
                try:
                    await waiter
                except asyncio.CancelledError:
                    if waiter.done() and not waiter.cancelled():
                        self._wake(everyone=False)  # Woken just as cancelled: pass it on.
                    elif waiter in self._waiters:
                        self._waiters.remove(waiter)
                    raise
            data = self._buffer.popleft()
            self._buffered -= len(data)
            self._sent_since_receive = False
            return data
        finally:
            if mine:
                # The serving coroutine arms the reader if the handler then
                # suspends elsewhere (_websocket_serve._drive): nothing to do
                # for the usual handler, straight back in receive() (bench: ws_echo).
                self._handler_receiving = False
            elif self.state != _CLOSED and self._arm_handle is None:
                # Another task received: the handler may be busy for good.
                self._arm_handle = self._loop.call_soon(self._arm)

    async def send(self, data: str | bytes) -> None:
        if self.state != _CONNECTED:
            if self.state == _HANDSHAKE:
                await self.accept(None, None)
            if self.state == _CLOSED:
                raise WebsocketDisconnect(*self.close_info)
        # Typed literals, not builder calls: one per frame (bench: ws_echo).
        message: WebsocketSendEvent
        if isinstance(data, str):
            message = {"type": "websocket.send", "bytes": None, "text": data}
        elif isinstance(data, _BINARY):
            message = {"type": "websocket.send", "bytes": bytes(data), "text": None}
        else:
            raise TypeError(
                f"A websocket message is str (text) or bytes (binary), not"
                f" {type(data).__name__}: use send_json() for other data."
            )
        if self._sent_since_receive:
            # Some servers drop sends to a vanished client without ever
            # suspending; yield so a send-only loop cannot starve the loop
            # (and the reader can see the disconnect).
            await _next_step()
            if self.state != _CONNECTED:
                raise WebsocketDisconnect(*self.close_info)
        self._sent_since_receive = True
        # Sent here, not through a helper coroutine (bench: ws_echo).
        try:
            await self._send(message)
        except OSError:
            self._closed(1006, "")
            raise WebsocketDisconnect(1006, "") from None

    async def accept(self, headers: Headers | None, subprotocol: str | None) -> None:
        if self.state == _CONNECTED:
            return
        if self.state == _CLOSED:
            raise WebsocketDisconnect(*self.close_info)
        raw: list[tuple[bytes, bytes]] = []
        if headers:
            if self.headers_ok:
                raw = _encode_headers(headers)
            else:
                warnings.warn(
                    "The server speaks ASGI websocket spec 2.0, which has no accept"
                    " headers: the headers given to accept() were not sent.",
                    RuntimeWarning,
                    stacklevel=3,
                )
        self.state = _CONNECTED
        self.accepted = True
        # A typed literal sent inline: a call and a coroutine less (bench: ws_connect).
        message: WebsocketAcceptEvent
        message = {"type": "websocket.accept", "subprotocol": subprotocol, "headers": raw}
        try:
            await self._send(message)
        except OSError:
            self._closed(1006, "")
            raise WebsocketDisconnect(1006, "") from None

    async def close(self, code: int, reason: str) -> None:
        if self.app_closed:
            raise RuntimeError("The websocket is already closed: close() may be called once.")
        _check_close(code, reason)
        self.app_closed = True
        if self.state == _CLOSED:
            return  # The client already left: nothing to close.
        self._mark_closed(code, reason)
        try:
            await self._send_close(code, reason)
        finally:
            # Only now: see "When the app closes" above.
            self._wake_reader()
            self._wake(everyone=True)

    # Pulling from the server.

    async def _took(self, message: ASGIReceiveEvent) -> str | bytes | None:
        """What a message pulled from the server gives the app: its data, or
        ``None`` after a disconnect or an oversized message (then closed)."""
        if message["type"] == "websocket.receive":
            data: str | bytes | None = message.get("text")
            if data is None:
                data = message.get("bytes") or b""
            max_size = self.max_size
            if max_size is None or len(data) * 4 <= max_size or not self._too_big(data):
                if self.state != _CLOSED:
                    return data
                return None  # The app closed: drop what crosses its close.
            reason = f"message larger than {max_size} bytes"
            self._ended(1009, reason)
            await self._send_close(1009, reason)
        elif message["type"] == "websocket.disconnect":
            self._ended(*websocket_disconnect_info(message))
        return None

    def _too_big(self, data: str | bytes) -> bool:
        size = len(data.encode()) if isinstance(data, str) else len(data)
        return self.max_size is not None and size > self.max_size

    def _arm(self) -> None:
        self._arm_handle = None
        self._armed = True
        if self._reader is None:
            # Made the first time it has work (see the notes; bench: ws_connect).
            if self._may_read and not self.finished and self.state != _CLOSED:
                self._reader = self._loop.create_task(self._read(), name="quart-websocket-reader")
        else:
            self._wake_reader()

    def _wake_reader(self) -> None:
        go = self._go
        if go is not None and not go.done():
            go.set_result(None)

    async def _read(self) -> None:
        if self._buffer is _NONE_YET:
            self._buffer = deque()
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
            self._pulling = True
            try:
                message = await self._receive()
            finally:
                self._pulling = False
            data = await self._took(message)
            if data is not None:
                buffer.append(data)
                self._buffered += len(data)
                if self._wake(everyone=False):
                    self._armed = False  # The app is receiving again: let it pull.

    # Closing.

    async def _send_close(self, code: int, reason: str) -> None:
        message = websocket_close(code, reason if self.reason_ok else None)
        try:
            await self._send(message)
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

    def _mark_closed(
        self, code: int, reason: str, keep_unread: bool = False, seen: bool = True
    ) -> None:
        self.state = _CLOSED
        self.close_info = (code, reason)
        if seen and self.close_code is None:
            self.close_code, self.close_reason = code, reason
        if not keep_unread and self._buffer:
            self._buffer.clear()
            self._buffered = 0

    def _closed(self, code: int, reason: str, keep_unread: bool = False, seen: bool = True) -> None:
        """Mark the websocket closed and wake every task waiting in receive()."""
        self._mark_closed(code, reason, keep_unread, seen)
        # Usually no parked reader and nobody else waiting (bench: ws_connect).
        if self._go is not None:
            self._wake_reader()
        if self._waiters:
            self._wake(everyone=True)

    def _ended(self, code: int, reason: str) -> None:
        """The client left (or sent too much): see the notes above."""
        if self.state == _CLOSED:
            return  # The app closed first; let it finish on its own.
        keep = self.reading and bool(self._buffer)
        self._closed(code, reason, keep_unread=keep)
        if self._handler_receiving:
            return  # The handler is in receive() (maybe the caller): it is told there.
        if keep and not self._others_receive:
            return  # The handler reads what is left, then is told.
        if not self.finished and self._task is not None:
            self.we_cancelled += 1
            self._task.cancel()

    async def going_away(self, code: int, reason: str) -> None:
        """The server is shutting down: close an open socket with ``code``."""
        if self.state != _CONNECTED:
            return  # Closed already, or not accepted yet (swept again later).
        self._mark_closed(code, reason)
        await self._send_close(code, reason)
        self._wake_reader()
        self._wake(everyone=True)
        if not self._handler_receiving and not self.finished and self._task is not None:
            self.we_cancelled += 1  # Undone by absorb_cancel once the pipeline ends.
            self._task.cancel()

    def absorb_cancel(self) -> bool:
        """Undo our cancellations of the handler's task; whether they were the only ones."""
        self.finished = True
        times, self.we_cancelled = self.we_cancelled, 0
        if not times or self._task is None:
            return False
        task = self._task
        left = task.uncancel()
        while times > 1:  # Rarely more than once.
            times -= 1
            left = task.uncancel()
        return left == 0

    def settle(self, response: Any, error: BaseException | None) -> None:
        """Decide the close code the app sees, just before the teardown
        functions run (the close itself goes out after them, as on Quart)."""
        if self.close_code is not None:
            return
        if error is not None and isinstance(error, asyncio.CancelledError):
            if _being_cancelled():
                self.close_code, self.close_reason = 1001, ""  # The server is going away.
                return
        if not self.accepted:
            return  # Refused (or never opened): no close code.
        if error is not None:
            code = 1011
        else:
            status = 200 if response is None else response.status_code
            code = 1011 if status >= 500 else 1008 if status >= 400 else 1000
        self.close_code, self.close_reason = code, ""

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
        self._closed(1000, "", seen=False)  # A refusal: no close code for the app.
        if response is None or "websocket.http.response" not in self.extensions:
            await self._send_close(1000, "")  # Before accept: the server answers 403.
            return
        try:
            await send_refusal(app, response, self._send)
        except OSError:
            pass
