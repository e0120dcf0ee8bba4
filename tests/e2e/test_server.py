"""Serving the app on a real socket (127.0.0.1 only): Hypercorn via run_task, and uvicorn.

Each test binds a listening socket on a free port first and hands it to the
server, so there is no race for the port and clients can connect at once
(the connection waits in the backlog until the server accepts it). Every
server is stopped, and every wait bounded, before the test ends.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import threading
from collections.abc import AsyncIterator
from collections.abc import Callable
from contextlib import asynccontextmanager
from typing import Any

import e2e_servers
import pytest

from quart import Quart
from quart import request
from quart import url_for

TIMEOUT = 10


def _make_app() -> Quart:
    app = Quart(__name__)
    app.config["SERVED"] = []

    @app.before_serving
    async def started() -> None:
        app.config["SERVED"].append("startup")

    @app.after_serving
    async def stopped() -> None:
        app.config["SERVED"].append("shutdown")

    @app.route("/")
    async def index() -> dict[str, Any]:
        return {
            "hello": "world",
            "method": request.method,
            "http_version": request.http_version,
            "remote_addr": request.remote_addr,
            "host": request.host,
            "url": url_for("index", _external=True),
        }

    @app.post("/echo")
    async def echo() -> bytes:
        return await request.get_data()

    @app.post("/upload")
    async def upload() -> str:
        total = 0
        async for chunk in request.body:
            total += len(chunk)
        return str(total)

    @app.route("/stream")
    async def stream() -> Any:
        async def gen() -> Any:
            for index in range(3):
                yield f"chunk{index};".encode()
                await asyncio.sleep(0)

        return gen()

    @app.route("/sync")
    def sync_view() -> str:
        return "sync ok"

    @app.route("/error")
    async def error() -> str:
        raise ValueError("server-side failure")

    return app


async def _in_thread(func: Callable[[], Any]) -> Any:
    """Run blocking client code in its own thread, not the loop's default
    executor: the server runs sync views there, and must not be starved by
    clients waiting for those very views."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def _run() -> None:
        try:
            result = func()
        except BaseException as error:
            loop.call_soon_threadsafe(_set, future, None, error)
        else:
            loop.call_soon_threadsafe(_set, future, result, None)

    threading.Thread(target=_run, daemon=True).start()
    return await future


def _set(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Client:
    """Blocking stdlib HTTP/1.1 client, run in a thread so the server keeps running."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        chunked: bool = False,
    ) -> tuple[int, dict[str, str], bytes]:
        def _do() -> tuple[int, dict[str, str], bytes]:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            try:
                payload: Any = body
                if chunked and body is not None:
                    payload = iter([body[:3], body[3:]])
                connection.request(
                    method, path, body=payload, headers=headers or {}, encode_chunked=chunked
                )
                response = connection.getresponse()
                data = response.read()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, data
            finally:
                connection.close()

        return await _in_thread(_do)  # type: ignore[no-any-return]

    async def keep_alive(self, paths: list[str]) -> list[tuple[int, bytes]]:
        def _do() -> list[tuple[int, bytes]]:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
            results = []
            try:
                for path in paths:
                    connection.request("GET", path)
                    response = connection.getresponse()
                    results.append((response.status, response.read()))
                return results
            finally:
                connection.close()

        return await _in_thread(_do)  # type: ignore[no-any-return]

    async def raw(self, data: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(data)
            await writer.drain()
            return await reader.read(65536)
        finally:
            writer.close()
            await writer.wait_closed()


@asynccontextmanager
async def hypercorn_server(app: Quart) -> AsyncIterator[Client]:
    async with e2e_servers.hypercorn_server(app) as port:
        yield Client(port)


@asynccontextmanager
async def uvicorn_server(app: Quart) -> AsyncIterator[Client]:
    async with e2e_servers.uvicorn_server(app) as port:
        yield Client(port)


Server = Callable[[Quart], Any]
servers = e2e_servers.server_params(hypercorn_server, uvicorn_server)


@pytest.fixture(params=servers)
def server(request: pytest.FixtureRequest) -> Server:
    return request.param  # type: ignore[no-any-return]


async def test_serves_http11(server: Server) -> None:
    app = _make_app()
    async with server(app) as client:
        status, headers, body = await client.request("GET", "/")
        assert status == 200
        assert headers["content-type"] == "application/json"
        data = json.loads(body)
        assert data["hello"] == "world"
        assert data["http_version"] == "1.1"
        assert data["remote_addr"] == "127.0.0.1"
        assert data["host"] == f"127.0.0.1:{client.port}"
        assert data["url"] == f"http://127.0.0.1:{client.port}/"

        status, _, body = await client.request("POST", "/echo", body=b"payload")
        assert (status, body) == (200, b"payload")

        status, _, body = await client.request("POST", "/upload", body=b"x" * 100_000)
        assert (status, body) == (200, b"100000")

        status, _, body = await client.request("POST", "/echo", body=b"chunked!", chunked=True)
        assert (status, body) == (200, b"chunked!")

        status, _, body = await client.request("GET", "/stream")
        assert (status, body) == (200, b"chunk0;chunk1;chunk2;")

        status, _, body = await client.request("GET", "/sync")
        assert (status, body) == (200, b"sync ok")

        status, headers, body = await client.request("HEAD", "/sync")
        assert (status, body) == (200, b"")
        assert headers["content-length"] == "7"

        assert (await client.request("GET", "/missing"))[0] == 404
        status, headers, _ = await client.request("DELETE", "/")
        assert status == 405
        assert "GET" in headers["allow"]
    assert app.config["SERVED"] == ["startup", "shutdown"]


async def test_keep_alive(server: Server) -> None:
    app = _make_app()
    async with server(app) as client:
        results = await client.keep_alive(["/sync", "/", "/sync"])
        assert [status for status, _ in results] == [200, 200, 200]
        assert results[0][1] == b"sync ok"


async def test_concurrent_requests(server: Server) -> None:
    app = _make_app()
    async with server(app) as client:
        results = await asyncio.gather(*(client.request("GET", "/sync") for _ in range(10)))
        assert all(status == 200 and body == b"sync ok" for status, _, body in results)


async def test_unhandled_error_is_a_plain_500(
    server: Server, caplog: pytest.LogCaptureFixture
) -> None:
    app = _make_app()
    async with server(app) as client:
        status, _, body = await client.request("GET", "/error")
    assert status == 500
    assert b"server-side failure" not in body
    assert any("server-side failure" in repr(r.exc_info) for r in caplog.records if r.exc_info)


async def test_ambiguous_framing_is_refused(server: Server) -> None:
    app = _make_app()
    async with server(app) as client:
        raw = await client.raw(
            b"POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n"
        )
    assert raw.startswith(b"HTTP/1.1 400")


async def test_startup_failure_stops_run_task(caplog: pytest.LogCaptureFixture) -> None:
    app = Quart(__name__)

    @app.before_serving
    async def broken() -> None:
        raise RuntimeError("cannot start")

    sock = e2e_servers.listening_socket()
    shutdown = asyncio.Event()
    try:
        async with asyncio.timeout(TIMEOUT):
            with pytest.raises(Exception, match="cannot start"):
                await app.run_task(host=f"fd://{sock.fileno()}", shutdown_trigger=shutdown.wait)
    finally:
        # Hypercorn fails at startup, before it adopts the socket: close it here.
        try:
            os.fstat(sock.fileno())
        except OSError:
            sock.detach()
        else:
            sock.close()
