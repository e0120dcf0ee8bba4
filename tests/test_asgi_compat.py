"""Quart 0.22's ASGI connection classes: subclasses that override a step are
served through the steps, as Quart serves them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from werkzeug.datastructures import Headers

from quart import Quart
from quart import request
from quart import websocket
from quart.asgi import ASGIHTTPConnection
from quart.asgi import ASGIWebsocketConnection
from quart.testing import QuartClient
from quart.testing import WebsocketResponseError
from quart.wrappers import Request
from quart.wrappers import Response


class CountingHTTPConnection(ASGIHTTPConnection):
    """Counts the body messages and tags every response."""

    messages = 0

    async def handle_messages(self, request: Request, receive: Any) -> None:
        async def counting_receive() -> Any:
            message = await receive()
            if message["type"] == "http.request":
                CountingHTTPConnection.messages += 1
            return message

        await super().handle_messages(request, counting_receive)

    async def _send_response(self, send: Any, response: Any) -> None:
        response.headers["X-Served-By"] = "subclass"
        await super()._send_response(send, response)


@pytest.fixture
def http_app(app: Quart) -> Quart:
    app.asgi_http_class = CountingHTTPConnection

    @app.post("/echo")
    async def echo() -> Any:
        return {"body": (await request.get_data()).decode(), "json": await request.get_json()}

    @app.get("/stream")
    async def stream() -> Any:
        async def chunks() -> Any:
            yield b"a"
            yield b"b"

        return chunks()

    @app.get("/boom")
    async def boom() -> Any:
        raise ValueError("boom")

    return app


async def test_overridden_http_steps_are_used(http_app: Quart, client: QuartClient) -> None:
    CountingHTTPConnection.messages = 0
    response = await client.post("/echo", json={"a": 1})
    assert response.status_code == 200
    assert response.headers["X-Served-By"] == "subclass"
    assert await response.get_json() == {"body": '{"a": 1}', "json": {"a": 1}}
    assert CountingHTTPConnection.messages == 1
    streamed = await client.get("/stream")
    assert await streamed.get_data() == b"ab"
    assert streamed.headers["X-Served-By"] == "subclass"


async def test_a_body_over_several_messages(
    http_app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    result = await asgi_call(
        http_app,
        http_scope("/echo", method="POST", headers=[(b"content-type", b"application/json")]),
        [b'{"a"', b": ", b"2}"],
    )
    assert result.status == 200
    assert result.headers["x-served-by"] == "subclass"
    assert b'"json":{"a":2}' in result.body


async def test_limits_and_errors_still_apply(
    http_app: Quart, http_scope: Any, asgi_call: Any
) -> None:
    http_app.config["MAX_CONTENT_LENGTH"] = 4
    too_big = await asgi_call(
        http_app,
        http_scope("/echo", method="POST", headers=[(b"content-length", b"10")]),
        b"0" * 10,
    )
    assert too_big.status == 413
    assert (await asgi_call(http_app, http_scope("/boom"))).status == 500
    bad_head = await asgi_call(http_app, http_scope("/echo", host=None))
    assert bad_head.status == 400


async def test_a_disconnect_cancels_the_handler(app: Quart, http_scope: Any) -> None:
    app.asgi_http_class = CountingHTTPConnection
    cancelled = asyncio.Event()

    @app.get("/slow")
    async def slow() -> str:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "late"

    messages: list[Any] = [{"type": "http.disconnect"}]
    sent: list[Any] = []

    async def receive() -> Any:
        await asyncio.sleep(0.01)
        return messages.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    async with asyncio.timeout(5):
        await app(http_scope("/slow"), receive, send)  # type: ignore[arg-type]
    assert cancelled.is_set()
    assert sent == []


async def test_the_plain_class_is_the_fast_path(app: Quart, client: QuartClient) -> None:
    tasks: list[int] = []

    @app.get("/")
    async def index() -> str:
        tasks.append(len(asyncio.all_tasks()))
        return "ok"

    class Plain(ASGIHTTPConnection):
        """Overrides nothing."""

    app.asgi_http_class = Plain
    assert (await client.get("/")).status_code == 200
    app.asgi_http_class = CountingHTTPConnection
    assert (await client.get("/")).status_code == 200
    # Quart's flow runs the request in tasks of its own (reader + handler).
    assert tasks[1] == tasks[0] + 2


async def test_a_class_overriding_call_is_built(app: Quart, client: QuartClient) -> None:
    served: list[str] = []

    class Calling(ASGIHTTPConnection):
        async def __call__(self, receive: Any, send: Any) -> None:
            served.append(self.scope["path"])
            await super().__call__(receive, send)

    @app.get("/")
    async def index() -> str:
        return "ok"

    app.asgi_http_class = Calling
    assert await (await client.get("/")).get_data() == b"ok"
    assert served == ["/"]


class ShoutingWebsocketConnection(ASGIWebsocketConnection):
    """Upper-cases every text message the app sends, and records closes."""

    closes: list[tuple[int, str]] = []

    async def send_data(self, send: Any, data: str | bytes) -> None:
        await super().send_data(send, data.upper() if isinstance(data, str) else data)

    async def close_connection(self, send: Any, code: int, reason: str) -> None:
        ShoutingWebsocketConnection.closes.append((code, reason))
        await super().close_connection(send, code, reason)


@pytest.fixture
def ws_app(app: Quart) -> Quart:
    app.asgi_websocket_class = ShoutingWebsocketConnection
    ShoutingWebsocketConnection.closes = []

    @app.websocket("/echo")
    async def echo() -> None:
        while True:
            message = await websocket.receive()
            if message == "bye":
                await websocket.close(1000, "done")
                return
            await websocket.send(message)

    @app.websocket("/headers")
    async def headers() -> None:
        await websocket.accept(Headers({"X-Hello": "yes"}), subprotocol="chat")
        await websocket.send("hi")

    @app.websocket("/refuse")
    async def refuse() -> Any:
        return Response("no", status=403)

    return app


async def test_overridden_websocket_steps_are_used(ws_app: Quart, client: QuartClient) -> None:
    async with client.websocket("/echo") as ws:
        await ws.send("hello")
        assert await ws.receive() == "HELLO"
        await ws.send(b"bytes")
        assert await ws.receive() == b"bytes"
        await ws.send("bye")
        await asyncio.sleep(0.05)
    assert ShoutingWebsocketConnection.closes == [(1000, "done")]


async def test_accept_headers_and_refusal(ws_app: Quart, client: QuartClient) -> None:
    async with client.websocket("/headers", subprotocols=["chat"]) as ws:
        assert await ws.receive() == "HI"
        assert ws.accepted
    with pytest.raises(WebsocketResponseError) as info:
        async with client.websocket("/refuse") as ws:
            await ws.receive()
    assert info.value.response.status_code == 403


async def test_the_client_leaving_ends_the_handler(ws_app: Quart, websocket_scope: Any) -> None:
    ended = asyncio.Event()

    @ws_app.websocket("/wait")
    async def wait() -> None:
        try:
            await websocket.receive()
        finally:
            ended.set()

    incoming: asyncio.Queue[Any] = asyncio.Queue()
    for message in ({"type": "websocket.connect"}, {"type": "websocket.disconnect", "code": 1001}):
        incoming.put_nowait(message)
    sent: list[Any] = []

    async def send(message: Any) -> None:
        sent.append(message)

    scope = websocket_scope("/wait", extensions={})
    async with asyncio.timeout(5):
        await ws_app(scope, incoming.get, send)  # type: ignore[arg-type]
    assert ended.is_set()
    assert sent[0]["type"] == "websocket.accept"


async def test_the_connect_message_comes_before_the_accept(
    ws_app: Quart, websocket_scope: Any
) -> None:
    events: list[str] = []
    connect_now = asyncio.Event()
    incoming: asyncio.Queue[Any] = asyncio.Queue()

    async def receive() -> Any:
        if not events:
            events.append("receive connect")
            await connect_now.wait()
            return {"type": "websocket.connect"}
        return await incoming.get()

    async def send(message: Any) -> None:
        events.append(message["type"])
        if message["type"] == "websocket.send":
            incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})

    task = asyncio.ensure_future(ws_app(websocket_scope("/headers", extensions={}), receive, send))
    await asyncio.sleep(0.05)
    assert events == ["receive connect"]  # nothing sent before the handshake
    connect_now.set()
    async with asyncio.timeout(5):
        await task
    assert events[:3] == ["receive connect", "websocket.accept", "websocket.send"]


async def test_leaving_ends_a_handler_whose_spawned_task_receives(
    ws_app: Quart, client: QuartClient
) -> None:
    queues: set[asyncio.Queue[Any]] = set()
    events: list[str] = []

    async def _receive() -> None:
        while True:
            message = await websocket.receive()
            for queue in queues:
                await queue.put(message)

    @ws_app.websocket("/broadcast")
    async def broadcast() -> None:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        queues.add(queue)
        try:
            task = asyncio.ensure_future(_receive())
            while True:
                await websocket.send(await queue.get())
        finally:
            queues.discard(queue)
            task.cancel()
            try:
                await task
            finally:
                events.append("finally done")

    async with asyncio.timeout(5):
        async with client.websocket("/broadcast") as ws:
            echo = asyncio.ensure_future(ws.receive())
            await ws.send("hello")
            assert await echo == "HELLO"
    assert events == ["finally done"]
    assert queues == set()


async def test_a_close_from_another_task_reaches_the_client(
    ws_app: Quart, websocket_scope: Any
) -> None:
    expired = asyncio.Event()
    ended = asyncio.Event()

    @ws_app.websocket("/deadline")
    async def deadline_ws() -> None:
        await websocket.accept()

        async def deadline() -> None:
            await expired.wait()
            await websocket.close(4408, "Connection initialisation timeout")

        timer = asyncio.ensure_future(deadline())
        try:
            while True:
                if await websocket.receive() == "ping":
                    await websocket.send("pong")
        finally:
            timer.cancel()
            ended.set()

    incoming: asyncio.Queue[Any] = asyncio.Queue()
    incoming.put_nowait({"type": "websocket.connect"})
    incoming.put_nowait({"type": "websocket.receive", "text": "ping"})
    sent: list[Any] = []
    changed = asyncio.Event()

    async def send(message: Any) -> None:
        await asyncio.sleep(0)  # A network write may yield.
        sent.append(message)
        changed.set()

    async def wait_for(kind: str) -> Any:
        while not any(message["type"] == kind for message in sent):
            changed.clear()
            await changed.wait()
        return next(message for message in sent if message["type"] == kind)

    task = asyncio.ensure_future(ws_app(websocket_scope("/deadline"), incoming.get, send))
    try:
        async with asyncio.timeout(5):
            await wait_for("websocket.send")
            expired.set()
            close = await wait_for("websocket.close")
            incoming.put_nowait({"type": "websocket.disconnect", "code": 4408})
            await task
            await ended.wait()
    finally:
        task.cancel()
    assert close == {
        "type": "websocket.close",
        "code": 4408,
        "reason": "Connection initialisation timeout",
    }
    assert ShoutingWebsocketConnection.closes == [(4408, "Connection initialisation timeout")]
    assert sent[0] == {"type": "websocket.accept", "subprotocol": None, "headers": []}
    assert sent[1] == {"type": "websocket.send", "bytes": None, "text": "PONG"}
