"""A bare ASGI app (no framework): ``GET /plaintext`` only.

Over the wire (``wire.py``) it shows each server's own ceiling on this
machine: the most requests per second any framework could get from it.
"""

from __future__ import annotations

from typing import Any

#: Endpoints of ``endpoints.py`` this app serves (everything else shows ``—``).
SUPPORTED: frozenset[str] = frozenset({"plaintext"})

_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"13")],
}
_BODY = {"type": "http.response.body", "body": b"Hello, World!"}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer every HTTP request with ``Hello, World!``; accept the lifespan."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    elif scope["type"] == "http":
        await send(_START)
        await send(_BODY)
