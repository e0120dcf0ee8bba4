"""Streaming, disconnects and shutdown on a real Hypercorn server (127.0.0.1).

The server runs in the test's own event loop (``app.run_task`` with a
``shutdown_trigger``), on a listening socket bound to a free port before the
server starts, so clients can connect at once. The client is a few lines of
raw HTTP/1.1 over asyncio streams, so the test controls exactly when it
reads and when it hangs up. Every wait is bounded and every server stopped.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator
from collections.abc import AsyncIterator
from collections.abc import Generator
from contextlib import asynccontextmanager
from typing import Any

import e2e_servers

from quart import Quart
from quart import Response

BOUND = 10  # seconds: far below the 30 s the slow views below would take


@asynccontextmanager
async def _serve(app: Quart) -> AsyncIterator[int]:
    """Serve ``app`` with Hypercorn; yield its port; always shut it down."""
    async with e2e_servers.hypercorn_server(app) as port:
        yield port


class _Stream:
    """A raw HTTP/1.1 connection reading a chunked response piece by piece."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.status = 0
        self.headers: dict[str, str] = {}

    @classmethod
    async def open(cls, port: int, path: str) -> _Stream:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        await writer.drain()
        stream = cls(reader, writer)
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        stream.status = int(status_line.split()[1])
        for line in lines:
            if line:
                name, _, value = line.partition(":")
                stream.headers[name.strip().lower()] = value.strip()
        return stream

    async def chunk(self) -> bytes:
        """The next chunk of a chunked body (``b""`` at the end)."""
        size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
        data = await self.reader.readexactly(size)
        await self.reader.readexactly(2)
        return data

    async def close(self) -> None:
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except ConnectionError:  # pragma: no cover - the server got there first
            pass


async def test_first_chunk_arrives_before_the_generator_finishes() -> None:
    app = Quart(__name__)
    release = asyncio.Event()
    finished: list[str] = []

    @app.route("/stream")
    async def stream() -> Any:
        async def generate() -> AsyncGenerator[bytes, None]:
            yield b"first"
            await release.wait()
            yield b"second"
            finished.append("done")

        return generate()

    async with asyncio.timeout(BOUND), _serve(app) as port:
        stream = await _Stream.open(port, "/stream")
        try:
            assert stream.status == 200
            assert stream.headers["transfer-encoding"] == "chunked"
            assert await stream.chunk() == b"first"
            assert finished == []  # the generator is still waiting
            release.set()
            assert await stream.chunk() == b"second"
            assert await stream.chunk() == b""
        finally:
            await stream.close()
    assert finished == ["done"]


async def test_first_chunk_of_a_blocking_sync_generator_arrives_early() -> None:
    app = Quart(__name__)
    release = threading.Event()

    @app.route("/stream")
    def stream() -> Any:
        def generate() -> Generator[bytes, None, None]:
            yield b"first"
            release.wait(BOUND)
            yield b"second"

        return generate()

    async with asyncio.timeout(BOUND), _serve(app) as port:
        stream = await _Stream.open(port, "/stream")
        try:
            assert await stream.chunk() == b"first"
            release.set()
            assert await stream.chunk() == b"second"
            assert await stream.chunk() == b""
        finally:
            release.set()
            await stream.close()


async def test_closing_the_socket_mid_stream_cancels_the_generator() -> None:
    app = Quart(__name__)
    events: list[str] = []
    closed = asyncio.Event()
    teardowns: list[BaseException | None] = []

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        teardowns.append(exc)

    @app.route("/stream")
    async def stream() -> Any:
        async def generate() -> AsyncGenerator[bytes, None]:
            try:
                yield b"first"
                await asyncio.sleep(30)
                yield b"never"  # pragma: no cover
            except asyncio.CancelledError:
                events.append("cancelled")
                raise
            finally:
                events.append("finally")
                closed.set()

        return generate()

    async with asyncio.timeout(BOUND), _serve(app) as port:
        stream = await _Stream.open(port, "/stream")
        assert await stream.chunk() == b"first"
        await stream.close()
        await closed.wait()  # long before the generator's 30 s sleep ends
    assert events == ["cancelled", "finally"]
    assert teardowns == [None]  # once: the view itself had returned normally


async def test_closing_the_socket_mid_request_cancels_the_view() -> None:
    app = Quart(__name__)
    started = asyncio.Event()
    closed = asyncio.Event()
    teardowns: list[BaseException | None] = []

    @app.teardown_request
    async def teardown(exc: BaseException | None) -> None:
        teardowns.append(exc)
        closed.set()

    @app.route("/slow")
    async def slow() -> str:
        started.set()
        await asyncio.sleep(30)
        return "too late"  # pragma: no cover

    async with asyncio.timeout(BOUND), _serve(app) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET /slow HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        await writer.drain()
        await started.wait()
        writer.close()
        await writer.wait_closed()
        await closed.wait()
        assert await reader.read() == b""  # nothing was sent
    assert len(teardowns) == 1
    assert isinstance(teardowns[0], asyncio.CancelledError)


async def test_server_sent_events_outlive_response_timeout() -> None:
    app = Quart(__name__)
    app.config["RESPONSE_TIMEOUT"] = 0.05
    release = asyncio.Event()

    @app.route("/events")
    async def events() -> Response:
        async def generate() -> AsyncGenerator[bytes, None]:
            yield b"data: one\n\n"
            await release.wait()
            yield b"data: two\n\n"

        response = Response(generate(), mimetype="text/event-stream")
        response.timeout = None
        return response

    async with asyncio.timeout(BOUND), _serve(app) as port:
        stream = await _Stream.open(port, "/events")
        try:
            assert stream.headers["content-type"].startswith("text/event-stream")
            assert await stream.chunk() == b"data: one\n\n"
            await asyncio.sleep(0.2)  # well past RESPONSE_TIMEOUT
            release.set()
            assert await stream.chunk() == b"data: two\n\n"
            assert await stream.chunk() == b""
        finally:
            await stream.close()


async def test_shutdown_waits_for_background_tasks_then_cancels_them() -> None:
    app = Quart(__name__)
    app.config["BACKGROUND_TASK_SHUTDOWN_TIMEOUT"] = 0.5
    events: list[str] = []
    both_started = asyncio.Barrier(3)

    async def short() -> None:
        await both_started.wait()
        await app.shutdown_event.wait()
        await asyncio.sleep(0.05)  # still running when shutdown begins
        events.append("short finished")

    async def endless() -> None:
        await both_started.wait()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            events.append("endless cancelled")
            raise

    @app.post("/jobs")
    async def jobs() -> tuple[str, int]:
        app.add_background_task(short)
        app.add_background_task(endless)
        return "accepted", 202

    @app.after_serving
    async def after() -> None:
        events.append("after_serving")

    async with asyncio.timeout(BOUND):  # far less than the endless task's 30 s
        async with _serve(app) as port:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(
                f"POST /jobs HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
            response = await reader.read()
            writer.close()
            await writer.wait_closed()
            assert response.startswith(b"HTTP/1.1 202")
            await both_started.wait()
    assert events == ["short finished", "endless cancelled", "after_serving"]
    assert app.background_tasks == set()
