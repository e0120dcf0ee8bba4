"""Workarounds for two Hypercorn bugs (0.18.0 and earlier) that lose connections.

**HTTP/2 data after the response.** Hypercorn forgets an HTTP/2 stream as soon as the app has
sent its whole response. When the client is still sending that request's body
(a 401, 404, 405, 413 or redirect sent before reading a POST; httpx's empty
closing DATA frame after a quick answer), the next DATA frame for the stream
raises ``KeyError`` inside Hypercorn's connection task, and the connection is
closed with every other stream on it. Hypercorn ignores the same race for the
end of the body, but not for its data (upstream issue 329, unreleased fixes).

The fix wraps ``H2Protocol._handle_events`` so data for a stream that is
already finished is dropped (its bytes still handed back to the connection's
flow-control window, as Hypercorn does for data it reads).

**A body the app never read.** Hypercorn hands each piece of a request body
to the app through a queue of ten messages. When a view answers without
reading a large upload, the queue is full; sending the end of the response
closes the stream, and Hypercorn then puts ``http.disconnect`` on that full
queue, from inside the app's own ``send``: the app waits on itself forever,
and so does the connection's read loop. The socket and its tasks stay after
the client has gone, one leak per such upload. The fix wraps
``HTTPStream.handle``: on the stream's close, a full queue is emptied first
(the stream is over: its unread body can only be dropped), so the
disconnect fits and the read loop is woken.

:func:`apply` does nothing unless Hypercorn's protocol modules are already
imported (so it never imports Hypercorn itself), and patches once. It runs
when the app starts serving (the ASGI lifespan startup), which covers
``app.run``, ``quart run``, ``app.run_task`` and ``hypercorn module:app``.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

__all__ = ["apply"]


def apply() -> None:
    """Patch Hypercorn's protocol classes, if they are loaded (idempotent)."""
    _fix_h2_data_after_response()
    _fix_unread_body()


def _fix_h2_data_after_response() -> None:
    module = sys.modules.get("hypercorn.protocol.h2")
    protocol = getattr(module, "H2Protocol", None)
    original = getattr(protocol, "_handle_events", None)
    if original is None or getattr(original, "_quart_fixed", False):
        return
    from h2.events import DataReceived

    async def _handle_events(self: Any, events: list[Any]) -> None:
        for event in events:
            if isinstance(event, DataReceived) and event.stream_id not in self.streams:
                # The response is complete and Hypercorn has forgotten the
                # stream: the rest of the request body has nowhere to go.
                self.connection.acknowledge_received_data(
                    event.flow_controlled_length, event.stream_id
                )
                continue
            # One at a time: handling an event may end another stream.
            await original(self, [event])

    _handle_events._quart_fixed = True  # type: ignore[attr-defined]
    protocol._handle_events = _handle_events  # type: ignore[union-attr]


def _fix_unread_body() -> None:
    module = sys.modules.get("hypercorn.protocol.http_stream")
    stream_class = getattr(module, "HTTPStream", None)
    stream_closed = getattr(module, "StreamClosed", None)
    original = getattr(stream_class, "handle", None)
    if original is None or stream_closed is None or getattr(original, "_quart_fixed", False):
        return

    async def handle(self: Any, event: Any) -> None:
        if isinstance(event, stream_closed):
            queue = getattr(getattr(self, "app_put", None), "__self__", None)
            if isinstance(queue, asyncio.Queue) and queue.full():
                # Body the app never read: drop it, so the disconnect fits
                # (and a read loop waiting to put more is woken).
                while not queue.empty():
                    queue.get_nowait()
        await original(self, event)

    handle._quart_fixed = True  # type: ignore[attr-defined]
    stream_class.handle = handle  # type: ignore[union-attr]
