"""A bare ASGI app (no framework): the wire endpoints with prebuilt answers.

Over the wire (``wire.py``, ``GET /plaintext`` only) it shows each server's
own ceiling on this machine: the most requests per second any framework
could get from it. ``wire_instr.py`` also asks it ``/json``, ``/echo`` (the
body is read and sent back as it came) and ``/template`` (the expected page,
prebuilt): the same bytes in and out as the frameworks, so a framework's row
minus this one is the framework's own cost on that endpoint.
"""

from __future__ import annotations

from typing import Any

from endpoints import TEMPLATE_BODY

#: Endpoints of ``endpoints.py`` this app serves (everything else shows ``—``).
SUPPORTED: frozenset[str] = frozenset({"plaintext", "json", "json_echo", "template"})


def _start(content_type: bytes, length: int, status: int = 200) -> dict[str, Any]:
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", content_type), (b"content-length", str(length).encode())],
    }


def _body(body: bytes) -> dict[str, Any]:
    return {"type": "http.response.body", "body": body}


_JSON = b'{"message":"Hello, World!"}'
_ANSWERS = {
    "/plaintext": (_start(b"text/plain; charset=utf-8", 13), _body(b"Hello, World!")),
    "/json": (_start(b"application/json", len(_JSON)), _body(_JSON)),
    "/template": (
        _start(b"text/html; charset=utf-8", len(TEMPLATE_BODY)),
        _body(TEMPLATE_BODY),
    ),
}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answer the wire endpoints with prebuilt messages; accept the lifespan."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    elif scope["type"] == "http":
        answer = _ANSWERS.get(scope["path"])
        if answer is not None:
            await send(answer[0])
            await send(answer[1])
            return
        if scope["path"] == "/echo":
            body = b""
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            await send(_start(b"application/json", len(body)))
            await send(_body(body))
            return
        await send(_start(b"text/plain; charset=utf-8", 9, 404))
        await send(_body(b"Not Found"))
