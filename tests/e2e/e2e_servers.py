"""Serving an app on 127.0.0.1 for the end-to-end tests.

Each helper binds a listening socket on a free port first and hands it to the
server (so there is no race for the port), yields the port, and always shuts
the server down within a bounded time.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from quart import Quart

#: Seconds allowed for a server to start or stop.
BOUND = 30


def listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


@asynccontextmanager
async def hypercorn_server(app: Quart) -> AsyncIterator[int]:
    """Serve ``app`` with Hypercorn (``app.run_task``); yield its port."""
    sock = listening_socket()
    port = sock.getsockname()[1]
    fd = sock.detach()  # Hypercorn owns the listening socket from here on.
    stop = asyncio.Event()
    task = asyncio.create_task(app.run_task(host=f"fd://{fd}", port=0, shutdown_trigger=stop.wait))
    try:
        yield port
    finally:
        stop.set()
        async with asyncio.timeout(BOUND):
            await task


@asynccontextmanager
async def uvicorn_server(app: Quart, lifespan: str = "on") -> AsyncIterator[int]:
    """Serve ``app`` with uvicorn; yield its port."""
    import uvicorn

    sock = listening_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan=lifespan, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(BOUND):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        async with asyncio.timeout(BOUND):
            await task
        sock.close()


@asynccontextmanager
async def granian_server(app: Quart) -> AsyncIterator[int]:
    """Serve ``app`` with granian's embedded server (ASGI, no lifespan); yield
    its port. Granian binds the port itself: a free one is picked first."""
    from granian.constants import Interfaces
    from granian.server.embed import Server

    sock = listening_socket()
    port = sock.getsockname()[1]
    sock.close()
    server = Server(
        app, address="127.0.0.1", port=port, interface=Interfaces.ASGINL, log_enabled=False
    )
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(BOUND):
            while True:  # Up once it accepts connections.
                if task.done():
                    task.result()
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                except OSError:
                    await asyncio.sleep(0.02)
                    continue
                writer.close()
                await writer.wait_closed()
                break
        yield port
    finally:
        server.stop()
        async with asyncio.timeout(BOUND):
            await task


def server_params(hypercorn: Any, uvicorn: Any) -> list[Any]:
    """Parameters running a test once per server (uvicorn skipped if missing)."""
    params = [pytest.param(hypercorn, id="hypercorn")]
    if importlib.util.find_spec("uvicorn") is not None:
        params.append(pytest.param(uvicorn, id="uvicorn"))
    else:  # pragma: no cover - uvicorn is a test dependency
        skip = pytest.mark.skip(reason="uvicorn not installed")
        params.append(pytest.param(None, id="uvicorn", marks=skip))
    return params
