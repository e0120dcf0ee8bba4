"""A workaround for a Hypercorn HTTP/2 bug that drops whole connections.

Hypercorn (0.18.0 and earlier) forgets an HTTP/2 stream as soon as the app has
sent its whole response. When the client is still sending that request's body
(a 401, 404, 405, 413 or redirect sent before reading a POST; httpx's empty
closing DATA frame after a quick answer), the next DATA frame for the stream
raises ``KeyError`` inside Hypercorn's connection task, and the connection is
closed with every other stream on it. Hypercorn ignores the same race for the
end of the body, but not for its data (upstream issue 329, unreleased fixes).

:func:`apply` wraps ``H2Protocol._handle_events`` so data for a stream that
is already finished is dropped (its bytes still handed back to the
connection's flow-control window, as Hypercorn does for data it reads). It
does nothing unless Hypercorn's HTTP/2 protocol is already imported (so it
never imports Hypercorn itself), and only once. It is applied when the app
starts serving (the ASGI lifespan startup), which covers ``app.run``,
``quart run``, ``app.run_task`` and ``hypercorn module:app`` alike.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["apply"]


def apply() -> None:
    """Patch Hypercorn's HTTP/2 protocol, if it is loaded (idempotent)."""
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
