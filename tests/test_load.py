"""Load: many slow requests and websockets at once cost little each, and
nothing (memory, tasks) is left behind between bursts.

These are the RELIABILITY promises measured through the real ASGI path with
``tracemalloc`` and the loop's task list. The bounds are memory and counts,
never time.
"""

from __future__ import annotations

import asyncio
import gc
import math
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from quart import Quart
from quart import request
from quart import websocket

CONCURRENT = 1000
#: What one request in flight (scope, request, context, task, watcher) may cost.
PER_REQUEST_LIMIT = 32 * 1024
#: How much memory may still grow after the first burst (caches filling up).
PLATEAU_SLACK = 256 * 1024


def _per_item_limit() -> float:
    """The per-request limit; none in asyncio's debug mode (``make test-strict``),
    which keeps a creation traceback on every task and future."""
    return math.inf if asyncio.get_running_loop().get_debug() else PER_REQUEST_LIMIT


@pytest.fixture
def traced() -> Iterator[None]:
    tracemalloc.start()
    try:
        yield
    finally:
        tracemalloc.stop()


async def _memory() -> int:
    """Traced memory once the loop has run what finished tasks left scheduled."""
    for _ in range(5):
        await asyncio.sleep(0)
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def _scope(path: str, method: str = "GET", body: bytes = b"") -> dict[str, Any]:
    headers = [(b"host", b"localhost")]
    if body:
        headers.append((b"content-length", str(len(body)).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"q=1",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
        "extensions": {},
    }


class Client:
    """One in-process HTTP exchange: the body once, then a disconnect after the response."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.sent_body = False
        self.done = asyncio.Event()
        self.status = 0
        self.received = b""

    async def receive(self) -> dict[str, Any]:
        if not self.sent_body:
            self.sent_body = True
            return {"type": "http.request", "body": self.body, "more_body": False}
        await self.done.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self.received += message.get("body", b"")
            if not message.get("more_body", False):
                self.done.set()


@pytest.fixture
def slow_app() -> Quart:
    app = Quart(__name__)
    app.config["RELEASE"] = asyncio.Event()
    app.config["WAITING"] = 0

    @app.route("/slow", methods=["GET", "POST"])
    async def slow() -> dict[str, Any]:
        body = await request.get_data()
        app.config["WAITING"] += 1
        await app.config["RELEASE"].wait()
        return {"args": request.args.to_dict(), "size": len(body)}

    @app.websocket("/ws")
    async def ws() -> None:
        while True:
            await websocket.send(await websocket.receive())

    return app


async def _wait_for(predicate: Any) -> None:
    async with asyncio.timeout(30):
        while not predicate():
            await asyncio.sleep(0.01)


async def _burst(app: Quart, count: int) -> tuple[int, list[Client]]:
    """Start ``count`` slow requests; return the memory while all are in
    flight and the clients, after releasing them and waiting for the end."""
    app.config["RELEASE"] = asyncio.Event()
    app.config["WAITING"] = 0
    clients = [Client(b"x" * 512 if i % 2 else b"") for i in range(count)]
    tasks = [
        asyncio.ensure_future(
            app(_scope("/slow", "POST" if c.body else "GET", c.body), c.receive, c.send)  # type: ignore[arg-type]
        )
        for c in clients
    ]
    await _wait_for(lambda: app.config["WAITING"] == count)
    await asyncio.sleep(0.1)  # long enough for the disconnect watchers to start
    in_flight = await _memory()
    app.config["RELEASE"].set()
    async with asyncio.timeout(30):
        await asyncio.gather(*tasks)
    return in_flight, clients


async def test_slow_requests_cost_little_each_and_leave_nothing(
    slow_app: Quart, traced: None
) -> None:
    # Warm up: caches (routing, header names, compiled code paths) fill here.
    await _burst(slow_app, 50)
    tasks_before = len(asyncio.all_tasks())
    baseline = await _memory()
    in_flight, clients = await _burst(slow_app, CONCURRENT)
    assert all(c.status == 200 for c in clients)
    assert clients[1].received == b'{"args":{"q":"1"},"size":512}\n'
    per_request = (in_flight - baseline) / CONCURRENT
    assert per_request < _per_item_limit(), f"{per_request:.0f} bytes per request in flight"
    del clients
    after_first = await _memory()
    for _ in range(3):
        await _burst(slow_app, CONCURRENT)
    after_more = await _memory()
    assert after_more - after_first < PLATEAU_SLACK, (after_first, after_more)
    assert after_first - baseline < PLATEAU_SLACK, (baseline, after_first)
    # No watcher, timer or reader task outlives its request.
    await asyncio.sleep(0.1)
    assert len(asyncio.all_tasks()) == tasks_before


class WsClient:
    """One in-process websocket peer."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.inbox.put_nowait({"type": "websocket.connect"})
        self.replies: asyncio.Queue[Any] = asyncio.Queue()
        self.accepted = False

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.accept":
            self.accepted = True
        elif message["type"] == "websocket.send":
            self.replies.put_nowait(message.get("text"))


async def test_open_websockets_cost_little_each_and_leave_nothing(
    slow_app: Quart, traced: None, websocket_scope: Any
) -> None:
    count = 500

    async def session(n: int) -> tuple[int, int]:
        peers = [WsClient() for _ in range(n)]
        tasks = [
            asyncio.ensure_future(slow_app(websocket_scope(extensions={}), p.inbox.get, p.send))  # type: ignore[arg-type]
            for p in peers
        ]
        for peer in peers:
            peer.inbox.put_nowait({"type": "websocket.receive", "text": "ping"})
        async with asyncio.timeout(30):
            for peer in peers:
                assert await peer.replies.get() == "ping"
        await asyncio.sleep(0.1)
        open_memory = await _memory()
        for peer in peers:
            peer.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        async with asyncio.timeout(30):
            await asyncio.gather(*tasks)
        return open_memory, sum(p.accepted for p in peers)

    await session(20)  # warm up
    tasks_before = len(asyncio.all_tasks())
    baseline = await _memory()
    open_memory, accepted = await session(count)
    assert accepted == count
    per_socket = (open_memory - baseline) / count
    assert per_socket < _per_item_limit(), f"{per_socket:.0f} bytes per open websocket"
    after_first = await _memory()
    await session(count)
    await session(count)
    assert (await _memory()) - after_first < PLATEAU_SLACK
    await asyncio.sleep(0.1)
    assert len(asyncio.all_tasks()) == tasks_before
