"""A served request leaves no reference cycles behind.

Everything a request allocates must be freed by reference counting when it
ends. A cycle (a body holding a bound method of itself, say) leaves the
request's objects, and the server's request object behind ``receive``, to the
cyclic garbage collector: over the wire on uvicorn that cost up to 29 µs per
request and 55-78 ms full collections in the tail latency (bench/NOTES.md,
"Over the wire"). Starlette leaves none; neither do we.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from asgi_harness import _make_http_scope

from quart import g
from quart import Quart
from quart import request


class _Cycle:
    """Stands in for a server's per-request object (uvicorn's
    RequestResponseCycle): ``receive`` and ``send`` are its bound methods."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        # The whole body has arrived, as it has for a small request.
        return {"type": "http.request", "body": self.body, "more_body": False}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


@pytest.fixture
def no_automatic_gc() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def _app() -> Quart:
    app = Quart(__name__)

    @app.before_request
    async def set_user() -> None:
        g.user = "bench"

    @app.get("/plaintext")
    async def plaintext() -> Any:
        return "Hello, World!", {"Content-Type": "text/plain; charset=utf-8"}

    @app.post("/echo")
    async def echo() -> Any:
        return await request.get_json()

    return app


@pytest.mark.parametrize(
    "method, path, body",
    [("GET", "/plaintext", b""), ("POST", "/echo", b'{"a": [1, 2, {"b": "c"}]}')],
)
async def test_requests_leave_no_cyclic_garbage(
    no_automatic_gc: None, method: str, path: str, body: bytes
) -> None:
    app = _app()
    headers = [(b"content-type", b"application/json")] if body else []
    if body:
        headers.append((b"content-length", str(len(body)).encode()))
    scope = _make_http_scope(path, method=method, headers=headers)
    # The first requests warm caches (routing, the JSON encoder...).
    for _ in range(3):
        cycle = _Cycle(body)
        await app(dict(scope), cycle.receive, cycle.send)
        assert cycle.sent[0]["status"] == 200
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    for _ in range(20):
        cycle = _Cycle(body)
        await app(dict(scope), cycle.receive, cycle.send)
        assert cycle.sent[0]["status"] == 200
    del cycle
    gc.collect()
    left = Counter(type(obj).__qualname__ for obj in gc.garbage)
    assert not left, f"objects in reference cycles after 20 requests: {left.most_common(10)}"
