"""Websockets over a real socket (127.0.0.1 only): Hypercorn and uvicorn,
with the ``websockets`` package as the client.

Each test binds a listening socket on a free port first and hands it to the
server, so there is no race for the port. Every server is stopped, and every
wait bounded, before the test ends.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

import e2e_servers
import pytest
import websockets
from websockets.exceptions import ConnectionClosed
from websockets.exceptions import InvalidStatus

from quart import Quart
from quart import websocket
from quart.wrappers import WebsocketDisconnect

TIMEOUT = 10


@asynccontextmanager
async def hypercorn_server(app: Quart) -> AsyncIterator[int]:
    async with e2e_servers.hypercorn_server(app) as port:
        yield port


@asynccontextmanager
async def uvicorn_server(app: Quart) -> AsyncIterator[int]:
    async with e2e_servers.uvicorn_server(app, lifespan="off") as port:
        yield port


@asynccontextmanager
async def granian_server(app: Quart) -> AsyncIterator[int]:
    async with e2e_servers.granian_server(app) as port:
        yield port


Server = Callable[[Quart], Any]
servers = e2e_servers.server_params(hypercorn_server, uvicorn_server)
# Granian (a test extra) for the close-code tests.
# Its embedded server (experimental) keeps a few sockets of its Rust runtime open
# after it stops.
_granian_leaves = pytest.mark.leaves_resources(reason="granian's runtime keeps its sockets")
close_servers = [*servers, pytest.param(granian_server, id="granian", marks=_granian_leaves)]


@pytest.fixture(params=servers)
def server(request: pytest.FixtureRequest) -> Server:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(params=close_servers)
def close_server(request: pytest.FixtureRequest) -> Server:
    return request.param  # type: ignore[no-any-return]


def _reader_tasks() -> list[asyncio.Task[Any]]:
    return [
        task
        for task in asyncio.all_tasks()
        if task.get_name() == "quart-websocket-reader" and not task.done()
    ]


def connect(port: int, path: str = "/ws", **kwargs: Any) -> Any:
    return websockets.connect(
        f"ws://127.0.0.1:{port}{path}", proxy=None, open_timeout=TIMEOUT, **kwargs
    )


async def test_echo_with_empty_messages(server: Server) -> None:
    app = Quart(__name__)

    @app.websocket("/ws")
    async def ws() -> None:
        while True:
            await websocket.send(await websocket.receive())

    async with server(app) as port, asyncio.timeout(TIMEOUT), connect(port) as client:
        for message in ["hello", b"\x00\x01", "", b""]:
            await client.send(message)
            echoed = await client.recv()
            assert echoed == message
            assert type(echoed) is type(message)


async def test_subprotocol_and_accept_headers(server: Server) -> None:
    app = Quart(__name__)

    @app.websocket("/ws")
    async def ws() -> None:
        assert websocket.requested_subprotocols == ["chat", "json"]
        await websocket.accept(headers={"X-Server": "quart"}, subprotocol="json")
        await websocket.send("ok")

    async with server(app) as port, asyncio.timeout(TIMEOUT):
        async with connect(port, subprotocols=["chat", "json"]) as client:
            assert await client.recv() == "ok"
            assert client.subprotocol == "json"
            assert client.response.headers["X-Server"] == "quart"


async def test_refusal_sends_the_http_response(server: Server) -> None:
    app = Quart(__name__)

    @app.websocket("/ws")
    async def ws() -> Any:
        return "no entry", 403

    async with server(app) as port, asyncio.timeout(TIMEOUT):
        with pytest.raises(InvalidStatus) as info:
            async with connect(port):
                pass
    assert info.value.response.status_code == 403
    assert info.value.response.body == b"no entry"


async def test_http_get_to_websocket_route_is_400(server: Server) -> None:
    app = Quart(__name__)

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send("never")

    async with server(app) as port, asyncio.timeout(TIMEOUT):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(b"GET /ws HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            await writer.drain()
            status_line = await reader.readline()
        finally:
            writer.close()
            await writer.wait_closed()
    assert status_line.split()[1] == b"400"


async def test_error_after_accept_closes_1011_and_logs(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    app = Quart(__name__)

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.send("about to fail")
        raise ValueError("boom")

    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        async with server(app) as port, asyncio.timeout(TIMEOUT), connect(port) as client:
            assert await client.recv() == "about to fail"
            with pytest.raises(ConnectionClosed) as info:
                await client.recv()
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 1011
    records = [r for r in caplog.records if r.name == app.logger.name]
    assert any("Exception on websocket" in r.getMessage() for r in records)


async def test_client_close_reaches_the_handler(close_server: Server) -> None:
    server = close_server
    app = Quart(__name__)
    seen: list[Any] = []
    done = asyncio.Event()

    @app.websocket("/ws")
    async def ws() -> None:
        try:
            while True:
                seen.append(await websocket.receive())
        except asyncio.CancelledError:  # As on Quart: the handler is cancelled.
            seen.append((websocket.close_code, websocket.close_reason))
            raise

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        seen.append(("teardown", type(exc), websocket.close_code))
        done.set()

    async with server(app) as port, asyncio.timeout(TIMEOUT):
        async with connect(port) as client:
            await client.send("last words")
            await client.close(4001, "bye")
        await done.wait()
    assert seen[0] == "last words"
    if server is hypercorn_server:
        # Hypercorn (0.18) reports every client close as 1006 with no reason:
        # what it passes on is what the app sees.
        assert seen[1:] == [(1006, ""), ("teardown", asyncio.CancelledError, 1006)]
    elif server is granian_server:
        # Granian passes the code on, not the reason.
        assert seen[1:] == [(4001, ""), ("teardown", asyncio.CancelledError, 4001)]
    else:
        assert seen[1:] == [(4001, "bye"), ("teardown", asyncio.CancelledError, 4001)]


async def test_opted_in_client_close_raises_websocket_disconnect(close_server: Server) -> None:
    server = close_server
    app = Quart(__name__)
    app.config["WEBSOCKET_DISCONNECT_EXCEPTION"] = True
    seen: list[Any] = []
    done = asyncio.Event()

    @app.websocket("/ws")
    async def ws() -> None:
        try:
            while True:
                await websocket.receive()
        except WebsocketDisconnect as error:
            seen.append(error.code == websocket.close_code)
            done.set()
            raise

    async with server(app) as port, asyncio.timeout(TIMEOUT):
        async with connect(port) as client:
            await client.close(4001, "bye")
        await done.wait()
    assert seen == [True]


@pytest.mark.parametrize("busy_with", ["waiting", "sending"])
async def test_vanished_client_cancels_the_handler(server: Server, busy_with: str) -> None:
    app = Quart(__name__)
    events: list[str] = []
    busy = asyncio.Event()
    torn_down = asyncio.Event()

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        busy.set()
        try:
            if busy_with == "waiting":
                await asyncio.Event().wait()  # Something that never happens.
            while True:
                await websocket.send("tick")
                await asyncio.sleep(0.001)
        except asyncio.CancelledError:
            events.append("cancelled")
            raise
        except WebsocketDisconnect:
            events.append("disconnect")
            raise

    @app.teardown_websocket
    async def teardown(exc: BaseException | None) -> None:
        events.append("teardown")
        torn_down.set()

    async with server(app) as port, asyncio.timeout(TIMEOUT):
        client = await connect(port, ping_interval=None)
        await busy.wait()
        client.transport.abort()  # No close frame: the client just vanishes.
        await torn_down.wait()
        while _reader_tasks():  # Bounded by the timeout: a leaked task fails the test.
            await asyncio.sleep(0.01)
    assert events[-1] == "teardown"
    assert events[0] in {"cancelled", "disconnect"}


async def test_slow_reader_gets_every_message_in_order(server: Server) -> None:
    app = Quart(__name__)
    release = asyncio.Event()

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        await release.wait()
        received = [await websocket.receive() for _ in range(50)]
        await websocket.send_json(received)

    async with server(app) as port, asyncio.timeout(TIMEOUT), connect(port) as client:
        for number in range(50):
            await client.send(str(number))
        release.set()
        assert json.loads(await client.recv()) == [str(number) for number in range(50)]


async def test_oversized_message_closes_1009(server: Server) -> None:
    app = Quart(__name__)
    app.config["WEBSOCKET_MAX_MESSAGE_SIZE"] = 1000
    seen: list[Any] = []

    @app.websocket("/ws")
    async def ws() -> None:
        try:
            while True:
                seen.append(len(await websocket.receive()))
        finally:
            seen.append(websocket.close_code)

    async with server(app) as port, asyncio.timeout(TIMEOUT), connect(port) as client:
        await client.send(b"x" * 1000)
        await client.send(b"x" * 1001)
        with pytest.raises(ConnectionClosed) as info:
            await client.recv()
    assert info.value.rcvd is not None
    assert info.value.rcvd.code == 1009
    assert seen == [1000, 1009]


async def test_leaving_ends_a_handler_whose_spawned_task_receives(server: Server) -> None:
    # Quart's broadcast example: a task the handler starts receives, the
    # handler itself waits on the broker.
    app = Quart(__name__)
    queues: set[asyncio.Queue[str | bytes]] = set()
    finished = asyncio.Event()

    async def _receive() -> None:
        while True:
            message = await websocket.receive()
            for queue in queues:
                await queue.put(message)

    @app.websocket("/ws")
    async def ws() -> None:
        queue: asyncio.Queue[str | bytes] = asyncio.Queue()
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
                finished.set()

    async with server(app) as port, asyncio.timeout(TIMEOUT):
        async with connect(port) as client:
            await client.send("hello")
            assert await client.recv() == "hello"
        await finished.wait()
        while _reader_tasks():  # Bounded by the timeout: a leaked task fails the test.
            await asyncio.sleep(0.01)
    assert queues == set()


async def test_a_close_from_another_task_reaches_the_client(server: Server) -> None:
    app = Quart(__name__)
    expired = asyncio.Event()
    ended = asyncio.Event()

    @app.websocket("/ws")
    async def ws() -> None:
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

    async with server(app) as port, asyncio.timeout(TIMEOUT):
        async with connect(port) as client:
            await client.send("ping")
            assert await client.recv() == "pong"
            expired.set()
            with pytest.raises(ConnectionClosed) as info:
                await client.recv()
        await ended.wait()
    assert info.value.rcvd is not None
    assert (info.value.rcvd.code, info.value.rcvd.reason) == (
        4408,
        "Connection initialisation timeout",
    )
