"""A served request leaves no reference cycles behind.

Everything a request allocates must be freed by reference counting when it
ends. A cycle (a body holding a bound method of itself, say) leaves the
request's objects, and the server's request object behind ``receive``, to the
cyclic garbage collector: over the wire on uvicorn that cost up to 29 µs per
request and 55-78 ms full collections in the tail latency (bench/NOTES.md,
"Over the wire"). Starlette leaves none; neither do we.
"""

from __future__ import annotations

import asyncio
import gc
import traceback
from collections import Counter
from collections.abc import Awaitable
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import pytest
from asgi_harness import _make_http_scope
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter

from quart import abort
from quart import g
from quart import Quart
from quart import request
from quart import websocket


class _Cycle:
    """Stands in for a server's per-request object (uvicorn's
    RequestResponseCycle): ``receive`` and ``send`` are its bound methods."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent: list[dict[str, Any]] = []
        self.received = False

    async def receive(self) -> dict[str, Any]:
        if self.received:
            # Nothing more comes until the client leaves (it does not here).
            await asyncio.get_running_loop().create_future()
        self.received = True
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


async def _cyclic_garbage_after(serve: Callable[[], Awaitable[object]], times: int) -> Counter[str]:
    """What ``times`` calls of ``serve`` leave to the cyclic collector (after
    three that warm caches up), by type."""
    for _ in range(3):
        await serve()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    for _ in range(times):
        await serve()
    gc.collect()
    return Counter(type(obj).__qualname__ for obj in gc.garbage)


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


@pytest.mark.parametrize("engine", ["engine", "connection-class"])
@pytest.mark.parametrize(
    "method, path, body",
    [("GET", "/plaintext", b""), ("POST", "/echo", b'{"a": [1, 2, {"b": "c"}]}')],
)
async def test_requests_leave_no_cyclic_garbage(
    no_automatic_gc: None, method: str, path: str, body: bytes, engine: str
) -> None:
    app = _app()
    if engine == "connection-class":
        # Quart 0.22's connection class, with a step overridden (so it runs).
        from quart.asgi import ASGIHTTPConnection

        class Connection(ASGIHTTPConnection):
            async def handle_messages(self, request: Any, receive: Any) -> None:
                await super().handle_messages(request, receive)

        app.asgi_http_class = Connection
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


def _error_app() -> Quart:
    app = Quart(__name__)

    @app.get("/plaintext")
    async def plaintext() -> Any:
        return "Hello, World!"

    @app.get("/dir/")
    async def directory() -> Any:
        return "a directory"

    @app.get("/abort")
    async def aborts() -> Any:
        abort(403)

    @app.get("/teapot")
    async def teapot() -> Any:
        abort(418)

    @app.errorhandler(418)
    async def teapot_handler(error: HTTPException) -> Any:
        return error  # an error handler may answer with the error itself

    @app.get("/handled")
    async def handled() -> Any:
        raise ValueError("handled by the app")

    @app.errorhandler(ValueError)
    async def value_error(error: ValueError) -> Any:
        return "bad value", 400

    @app.get("/unhandled")
    async def unhandled() -> Any:
        raise RuntimeError("a bug")

    return app


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/missing", 404),
        ("POST", "/plaintext", 405),
        ("GET", "/dir", 308),
        ("GET", "/abort", 403),
        ("GET", "/teapot", 418),
        ("GET", "/handled", 400),
        ("GET", "/unhandled", 500),
    ],
)
async def test_error_responses_leave_no_cyclic_garbage(
    no_automatic_gc: None, method: str, path: str, status: int
) -> None:
    # An error's traceback holds the frames it passed through, and they hold
    # the request: the error must not be reachable from them (a 404 stored as
    # request.routing_exception, a handler's answer that is the error
    # itself), or every 404 a scanner sends waits for the cyclic collector
    # (bench/NOTES.md, "Session 6").
    app = _error_app()
    app.logger.disabled = True  # the 500's traceback is logged: not wanted here
    scope = _make_http_scope(path, method=method)

    async def serve() -> None:
        cycle = _Cycle(b"")
        await app(dict(scope), cycle.receive, cycle.send)
        assert cycle.sent[0]["status"] == status

    left = await _cyclic_garbage_after(serve, 10)
    assert not left, f"objects in reference cycles after 10 requests: {left.most_common(10)}"


async def test_a_routing_error_keeps_its_traceback_while_the_request_runs() -> None:
    # The traceback goes when the request ends (it would hold the request in
    # a cycle), not before: a 404 handler still sees where a converter raised.
    app = Quart(__name__)

    def lookup_user(value: str) -> str:
        users = {"1": "one"}
        if value not in users:
            abort(404)
        return users[value]

    class UserConverter(BaseConverter):
        def to_python(self, value: str) -> str:
            return lookup_user(value)

    app.url_map.converters["user"] = UserConverter

    @app.route("/users/<user:user>")
    async def user(user: str) -> str:
        return user

    seen: list[str] = []
    kept: list[BaseException] = []

    @app.errorhandler(404)
    async def not_found(error: HTTPException) -> Any:
        seen.append("".join(traceback.format_exception(error)))
        kept.append(error)
        return "no such user", 404

    client = app.test_client()
    response = await client.get("/users/2")
    assert response.status_code == 404
    assert "in lookup_user" in seen[0]
    assert kept[0].__traceback__ is None  # dropped once the request ended
    assert (await client.get("/users/1")).status_code == 200


class _WebsocketPeer:
    """A server's side of one websocket: the connect, ``messages``, then the
    client leaves (as ``bench/inproc.py``'s peer does)."""

    def __init__(self, messages: list[str]) -> None:
        self.incoming: list[dict[str, Any]] = [{"type": "websocket.connect"}]
        self.incoming += [{"type": "websocket.receive", "text": text} for text in messages]
        self.incoming.append({"type": "websocket.disconnect", "code": 1000, "reason": ""})
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if len(self.incoming) == 1:
            await asyncio.sleep(0)  # The client leaves while the handler waits.
        return self.incoming.pop(0)

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)


@pytest.mark.parametrize("ending", ["cancelled", "exception", "returned"])
@pytest.mark.parametrize("engine", ["engine", "connection-class"])
async def test_websockets_leave_no_cyclic_garbage(
    no_automatic_gc: None, websocket_scope: Callable[..., dict[str, Any]], ending: str, engine: str
) -> None:
    # The client leaving cancels the handler (or raises WebsocketDisconnect):
    # that error's traceback must not keep the connection in a cycle (bench:
    # ws_connect).
    app = Quart(__name__)
    app.config["WEBSOCKET_DISCONNECT_EXCEPTION"] = ending == "exception"
    if engine == "connection-class":
        from quart.asgi import ASGIWebsocketConnection

        class Connection(ASGIWebsocketConnection):
            async def handle_messages(self, receive: Any) -> None:
                await super().handle_messages(receive)

        app.asgi_websocket_class = Connection

    @app.websocket("/ws")
    async def echo() -> None:
        if ending == "returned":
            await websocket.send(await websocket.receive())
            return
        while True:
            await websocket.send(await websocket.receive())

    scope = websocket_scope("/ws")

    async def serve() -> _WebsocketPeer:
        peer = _WebsocketPeer(["hello"])
        await app(dict(scope), peer.receive, peer.send)
        assert [m["type"] for m in peer.sent][:2] == ["websocket.accept", "websocket.send"]
        return peer

    left = await _cyclic_garbage_after(serve, 10)
    assert not left, f"objects in reference cycles after 10 websockets: {left.most_common(10)}"


@pytest.mark.parametrize("path, status", [("/missing", 404), ("/forbidden", 403)])
async def test_websocket_error_responses_leave_no_cyclic_garbage(
    no_automatic_gc: None, websocket_scope: Callable[..., dict[str, Any]], path: str, status: int
) -> None:
    app = Quart(__name__)

    @app.websocket("/forbidden")
    async def forbidden() -> None:
        abort(403)

    scope = websocket_scope(path)

    async def serve() -> None:
        peer = _WebsocketPeer([])
        await app(dict(scope), peer.receive, peer.send)
        assert peer.sent[0]["type"] == "websocket.http.response.start"
        assert peer.sent[0]["status"] == status

    left = await _cyclic_garbage_after(serve, 10)
    assert not left, f"objects in reference cycles after 10 websockets: {left.most_common(10)}"
