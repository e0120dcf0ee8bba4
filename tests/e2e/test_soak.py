"""A short soak on a real server (127.0.0.1): bursts of clients that finish,
abort mid-body, or leave while a slow view runs. Between bursts the process
holds no more file descriptors and no more tasks than before."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import e2e_servers
import pytest

from quart import Quart
from quart import request

BURSTS = 4
CLIENTS = 40
TIMEOUT = 20


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _make_app() -> Quart:
    app = Quart(__name__)

    @app.post("/upload")
    async def upload() -> str:
        return str(len(await request.get_data()))

    @app.get("/slow")
    async def slow() -> str:
        await asyncio.sleep(30)
        return "late"

    return app


async def _client(port: int, kind: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        if kind == 0:  # a whole request and its answer
            writer.write(
                b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                b"Connection: close\r\n\r\nhello"
            )
            await writer.drain()
            assert (await reader.read()).endswith(b"5")
        elif kind == 1:  # leaves halfway through its body
            writer.write(b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
            writer.write(b"x" * 1000)
            await writer.drain()
        else:  # leaves while its view is still running
            writer.write(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            await asyncio.sleep(0.2)
    finally:
        writer.close()
        await writer.wait_closed()


async def _settle(expected_fds: int, expected_tasks: int) -> tuple[int, int]:
    """Wait (bounded) for descriptors and tasks to drop back; return the last counts."""
    fds, tasks = _open_fds(), len(asyncio.all_tasks())
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while (fds > expected_fds or tasks > expected_tasks) and loop.time() < deadline:
        await asyncio.sleep(0.05)
        fds, tasks = _open_fds(), len(asyncio.all_tasks())
    return fds, tasks


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc to count descriptors")
@pytest.mark.parametrize(
    "serve", e2e_servers.server_params(e2e_servers.hypercorn_server, e2e_servers.uvicorn_server)
)
async def test_bursts_leave_no_descriptors_or_tasks_behind(serve: Any) -> None:
    app = _make_app()
    async with asyncio.timeout(TIMEOUT * (BURSTS + 2)), serve(app) as port:
        await asyncio.gather(*(_client(port, 0) for _ in range(3)))  # warm up
        fds, tasks = await _settle(_open_fds(), len(asyncio.all_tasks()))
        for _ in range(BURSTS):
            await asyncio.gather(*(_client(port, i % 3) for i in range(CLIENTS)))
            after = await _settle(fds, tasks)
            assert after == (fds, tasks), f"before {(fds, tasks)}, after a burst {after}"
