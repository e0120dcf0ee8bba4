"""Serving under a root path (``--root-path``) on real servers.

uvicorn puts its root path in front of the request path; Hypercorn passes the
path as the client sent it, so there the client must ask for the full path.
Either way the app routes the part after the root path and builds URLs with it.
"""

from __future__ import annotations

import asyncio
import http.client
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import e2e_servers
import pytest

from quart import Quart
from quart import request
from quart import url_for

TIMEOUT = 10


def _app() -> Quart:
    app = Quart(__name__)

    @app.route("/page")
    async def page() -> str:
        return f"{request.path} {url_for('page')}"

    return app


def _get(port: int, path: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@asynccontextmanager
async def _hypercorn(app: Quart, root_path: str) -> AsyncIterator[int]:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    sock = e2e_servers.listening_socket()
    port = sock.getsockname()[1]
    config = Config()
    config.bind = [f"fd://{sock.detach()}"]
    config.root_path = root_path
    config.accesslog = None
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, config, shutdown_trigger=stop.wait))  # type: ignore[arg-type]
    try:
        yield port
    finally:
        stop.set()
        async with asyncio.timeout(e2e_servers.BOUND):
            await task


@asynccontextmanager
async def _uvicorn(app: Quart, root_path: str) -> AsyncIterator[int]:
    import uvicorn

    sock = e2e_servers.listening_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, root_path=root_path, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(e2e_servers.BOUND):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield port
    finally:
        server.should_exit = True
        async with asyncio.timeout(e2e_servers.BOUND):
            await task
        sock.close()


async def test_hypercorn_root_path() -> None:
    async with _hypercorn(_app(), "/app") as port:
        assert await asyncio.to_thread(_get, port, "/app/page") == (200, b"/page /app/page")
        assert (await asyncio.to_thread(_get, port, "/page"))[0] == 404


async def test_uvicorn_root_path() -> None:
    pytest.importorskip("uvicorn")
    async with _uvicorn(_app(), "/app") as port:
        assert await asyncio.to_thread(_get, port, "/page") == (200, b"/page /app/page")
