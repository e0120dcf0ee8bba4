"""Server-sent events (the HTML ``EventSource`` protocol).

::

    from quart.sse import EventSourceResponse, ServerSentEvent

    @app.get("/clock")
    async def clock():
        async def events():
            while True:
                yield ServerSentEvent(str(time.time()), event="tick")
                await asyncio.sleep(1)
        return EventSourceResponse(events())

Theory of operation. The events come from a task that iterates the given
async iterable into a one-slot queue; the response body waits on that queue
for at most ``ping`` seconds at a time and, when nothing came, sends a comment
line, which keeps proxies and load balancers from closing an idle stream
(and lets the server notice a client that left). When the response ends, for
whatever reason (the client left, the app shuts down, the iterable raised),
the task is cancelled and the iterable closed, so its ``finally`` blocks run.
The stream opens with a comment, so the client sees the headers (and
``EventSource.onopen`` fires) at once, not with the first event.

Framing follows the HTML standard's "event stream" format: fields are
``event``, ``data`` (one ``data:`` line per line of the data, split at CR,
LF or CRLF), ``id`` and ``retry``, and an empty line ends the event. A line
break in ``event`` or ``id`` would let a value start a new field or event,
so those are refused with ``ValueError`` (as is NUL in ``id``, which the
standard makes clients ignore).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterable
from collections.abc import AsyncIterator
from typing import Any

from ._concurrency import cancel_tasks
from ._concurrency import create_task
from .globals import request
from .wrappers import Response

__all__ = ["EventSourceResponse", "ServerSentEvent", "last_event_id"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_OPEN = b": open\n\n"
_PING = b": ping\n\n"


class ServerSentEvent:
    """One event of an event stream.

    :param data: The payload (``bytes`` are decoded as UTF-8); line breaks
        become separate ``data:`` lines, which the browser joins with ``\\n``.
    :param event: The event type (``addEventListener(event, ...)``); the
        browser's default is ``"message"``.
    :param id: The id the browser sends back as ``Last-Event-ID`` when it
        reconnects.
    :param retry: How long the browser waits before reconnecting, in
        milliseconds.
    :raises ValueError: ``event`` or ``id`` contains a line break (or ``id``
        a NUL), or ``retry`` is negative.
    """

    __slots__ = ("data", "event", "id", "retry")

    def __init__(
        self,
        data: str | bytes = "",
        event: str | None = None,
        id: str | None = None,
        retry: int | None = None,
    ) -> None:
        if isinstance(data, bytes):
            data = data.decode("utf-8", "replace")
        if not isinstance(data, str):
            raise TypeError(f"Event data is str or bytes, not {type(data).__name__}.")
        _check_field("event", event)
        _check_field("id", id)
        if id is not None and "\0" in id:
            raise ValueError("An event id cannot contain NUL (browsers ignore such ids).")
        if retry is not None and (type(retry) is not int or retry < 0):
            raise ValueError("retry is a non-negative number of milliseconds.")
        #: The payload.
        self.data = data
        #: The event type, or ``None`` for the default ``message``.
        self.event = event
        #: The event id, or ``None``.
        self.id = id
        #: The reconnection delay in milliseconds, or ``None``.
        self.retry = retry

    def encode(self) -> bytes:
        """The event as it goes on the wire, ending with the empty line."""
        lines = []
        if self.event is not None:
            lines.append(f"event: {self.event}\n")
        if self.id is not None:
            lines.append(f"id: {self.id}\n")
        if self.retry is not None:
            lines.append(f"retry: {self.retry}\n")
        for line in _LINE_BREAK.split(self.data):
            lines.append(f"data: {line}\n")
        lines.append("\n")
        return "".join(lines).encode()

    def __repr__(self) -> str:
        return (
            f"ServerSentEvent({self.data!r}, event={self.event!r}, id={self.id!r},"
            f" retry={self.retry!r})"
        )


def last_event_id() -> str | None:
    """The ``Last-Event-ID`` header of the current request: the id of the
    last event the browser received before it reconnected, to resume from.
    ``None`` on a first connection (or when the header holds a line break).
    """
    value = request.headers.get("Last-Event-ID")
    if value is None or _LINE_BREAK.search(value) or "\0" in value:
        return None
    return value


class EventSourceResponse(Response):
    """A ``text/event-stream`` response sending the events of an async
    iterable as they come.

    Items may be :class:`ServerSentEvent`\\ s, or ``str`` for a plain data
    event. The response is never cached (``Cache-Control: no-cache``),
    asks proxies not to buffer it (``X-Accel-Buffering: no``), and is not
    limited by ``RESPONSE_TIMEOUT``. The iterable is closed when the
    client leaves.

    :param events: The events to send.
    :param ping: Seconds of silence after which a comment is sent to keep
        the connection open; ``None`` sends none.
    :param status: The status code.
    :param headers: More headers.
    """

    def __init__(
        self,
        events: AsyncIterable[ServerSentEvent | str],
        ping: float | None = 15.0,
        *,
        status: int = 200,
        headers: dict[str, Any] | None = None,
    ) -> None:
        if not isinstance(events, AsyncIterable):
            raise TypeError("EventSourceResponse needs an async iterable of events.")
        if ping is not None and ping <= 0:
            raise ValueError("ping is a positive number of seconds, or None.")
        super().__init__(_stream(events, ping), status, headers, mimetype="text/event-stream")
        self.headers["Cache-Control"] = "no-cache"
        self.headers["X-Accel-Buffering"] = "no"
        self.timeout = None


_END = object()


class _Failed:
    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


async def _pump(events: AsyncIterable[object], queue: asyncio.Queue[object]) -> None:
    iterator = aiter(events)
    try:
        async for item in iterator:
            await queue.put(item)
    except Exception as error:  # handed to the response, which logs it
        await queue.put(_Failed(error))
        return
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
    await queue.put(_END)


async def _stream(events: AsyncIterable[object], ping: float | None) -> AsyncIterator[bytes]:
    queue: asyncio.Queue[object] = asyncio.Queue(maxsize=1)
    task = create_task(_pump(events, queue), name="quart-sse-events")
    try:
        yield _OPEN
        while True:
            try:
                async with asyncio.timeout(ping):
                    item = await queue.get()
            except TimeoutError:
                yield _PING
                continue
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            if isinstance(item, str):
                item = ServerSentEvent(item)
            elif not isinstance(item, ServerSentEvent):
                raise TypeError(
                    f"An event stream yields ServerSentEvent or str, not {type(item).__name__}."
                )
            yield item.encode()
    finally:
        await cancel_tasks([task], raise_errors=False)


def _check_field(name: str, value: str | None) -> None:
    if value is None:
        return
    if not isinstance(value, str):
        raise TypeError(f"The event {name} is a str, not {type(value).__name__}.")
    if "\r" in value or "\n" in value:
        raise ValueError(f"The event {name} {value!r} contains a line break.")
