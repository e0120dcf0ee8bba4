"""The disconnect watcher's read-ahead never reorders a request body.

Regression: a watcher that started while the view was already waiting for
its body in the server's ``receive()`` read from the same server queue. The
watcher, run first, took the chunks that had woken the view, so the view got
a later chunk first: an upload arrived with the right length and the wrong
content (seen on HTTP/2 uploads under load, about 2% of them).
"""

from __future__ import annotations

import asyncio
from typing import Any

from quart import Quart
from quart import request
from quart.asgi import _disconnect


def _scope(length: int) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "2",
        "method": "POST",
        "scheme": "https",
        "path": "/echo",
        "raw_path": b"/echo",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"content-length", str(length).encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 443),
        "extensions": {},
    }


async def test_watcher_starting_while_the_view_waits_for_its_body_keeps_the_order() -> None:
    app = Quart(__name__)

    @app.post("/echo")
    async def echo() -> bytes:
        return await request.get_data()

    chunks = [bytes([ord("a") + index]) * 1000 for index in range(4)]
    server_queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()  # Hypercorn's receive
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async with asyncio.timeout(5):
        serving = asyncio.create_task(app(_scope(4000), server_queue.get, send))  # type: ignore[arg-type]
        while not _disconnect.current_watchdog()._pending:
            await asyncio.sleep(0)
        for _ in range(5):
            await asyncio.sleep(0)  # The view is now waiting in receive().
        # The sweep that gives a slow request its watcher comes just before
        # the first chunks do, in the same turn of the loop.
        dog = _disconnect.current_watchdog()
        for task, (started, receive, req) in list(dog._pending.items()):
            dog._pending[task] = (started - 1, receive, req)
        dog._sweep()
        for chunk in chunks[:3]:
            server_queue.put_nowait({"type": "http.request", "body": chunk, "more_body": True})
        await asyncio.sleep(0.01)
        server_queue.put_nowait({"type": "http.request", "body": chunks[3], "more_body": False})
        await asyncio.sleep(0.01)
        server_queue.put_nowait({"type": "http.disconnect"})
        await serving
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert body == b"".join(chunks)
