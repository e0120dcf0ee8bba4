"""A view that never reads a large request body, on real servers (127.0.0.1).

The client keeps sending its body until the server stops taking it, reads the
answer, then hangs up. Nothing may stay behind: the server's connection (its
socket and tasks) must go once the client is gone.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import e2e_servers
import pytest

from quart import Quart

TIMEOUT = 10
BODY = 8 * 1024 * 1024

pytestmark = pytest.mark.skipif(
    not os.path.isdir("/proc/self/fd"), reason="needs /proc to count descriptors"
)


def _counts() -> tuple[int, int]:
    return len(os.listdir("/proc/self/fd")), len(asyncio.all_tasks())


def _app(release: asyncio.Event) -> Quart:
    app = Quart(__name__)

    @app.post("/ignore")
    async def ignore() -> str:
        await release.wait()  # Busy with something else while the body comes in.
        return "not reading that"

    @app.get("/hello")
    async def hello() -> str:
        return "hello"

    return app


async def _push_until_blocked(writer: asyncio.StreamWriter) -> int:
    sent = 0
    chunk = b"x" * 65536
    while sent < BODY:
        writer.write(chunk)
        try:
            await asyncio.wait_for(writer.drain(), 0.5)
        except (TimeoutError, ConnectionError):
            break
        sent += len(chunk)
    return sent


async def _settle(expected: tuple[int, int]) -> tuple[int, int]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    counts = _counts()
    while counts > expected and loop.time() < deadline:
        await asyncio.sleep(0.05)
        counts = _counts()
    return counts


@pytest.mark.parametrize(
    "serve", e2e_servers.server_params(e2e_servers.hypercorn_server, e2e_servers.uvicorn_server)
)
async def test_unread_upload_leaves_nothing_behind_when_the_client_leaves(serve: Any) -> None:
    # Regression: Hypercorn (0.18.0) kept feeding the body into the finished
    # app's queue; once full, the connection's read loop waited forever: its
    # socket and tasks stayed after the client had gone (a leak per upload).
    release = asyncio.Event()
    async with asyncio.timeout(TIMEOUT * 3), serve(_app(release)) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert (await reader.read()).endswith(b"hello")
        writer.close()
        await writer.wait_closed()
        before = await _settle(_counts())
        for _ in range(3):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                f"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: {BODY}\r\n\r\n".encode()
            )
            await _push_until_blocked(writer)
            release.set()
            assert (await reader.readuntil(b"not reading that")).startswith(b"HTTP/1.1 200")
            writer.transport.abort()
            release.clear()
        assert await _settle(before) == before
