"""File responses through a real Hypercorn server on 127.0.0.1.

A 64 MiB (sparse) file is downloaded while other requests are answered;
range and traversal requests go over the wire as raw HTTP/1.1, so the
server's own decoding of the request target is part of what is tested.
Each test binds its listening socket first (no race for the port), bounds
every wait, and stops the server before it ends.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from quart import Quart
from quart import send_file

TIMEOUT = 30
SIZE = 64 * 1024 * 1024
MARKERS = {0: b"first", SIZE // 2: b"middle", SIZE - 4: b"last"}


@pytest.fixture
def app(tmp_path: Path) -> Quart:
    big = tmp_path / "big.bin"
    with open(big, "wb") as file:
        file.truncate(SIZE)  # Sparse: no 64 MiB written to disk.
        for offset, marker in MARKERS.items():
            file.seek(offset)
            file.write(marker)
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "hello.txt").write_bytes(b"hello world")
    (tmp_path / "secret.txt").write_bytes(b"secret")
    app = Quart(__name__, root_path=str(tmp_path))

    @app.route("/big")
    async def big_file() -> object:
        return await send_file(tmp_path / "big.bin", conditional=True)

    @app.route("/ping")
    async def ping() -> str:
        return "pong"

    return app


@asynccontextmanager
async def serve(app: Quart) -> AsyncIterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    fd = sock.detach()  # Hypercorn takes ownership of the listening socket.
    shutdown = asyncio.Event()
    task = asyncio.create_task(
        app.run_task(host=f"fd://{fd}", port=0, shutdown_trigger=shutdown.wait)
    )
    try:
        yield port
    finally:
        shutdown.set()
        async with asyncio.timeout(TIMEOUT):
            await task


class Connection:
    """A raw HTTP/1.1 client connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def request(self, target: str, headers: str = "") -> tuple[int, dict[str, str]]:
        """Send a GET; return the status and headers (the body stays unread)."""
        self.writer.write(
            f"GET {target} HTTP/1.1\r\nHost: test\r\n{headers}Connection: close\r\n\r\n".encode()
        )
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        fields = {}
        for line in lines:
            if line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
        return int(status_line.split()[1]), fields

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


async def fetch(port: int, target: str, headers: str = "") -> tuple[int, dict[str, str], bytes]:
    connection = await Connection.open(port)
    try:
        status, fields = await connection.request(target, headers)
        body = await connection.reader.read()
    finally:
        await connection.close()
    return status, fields, body


async def test_large_download_does_not_hold_up_other_requests(app: Quart) -> None:
    async with asyncio.timeout(TIMEOUT), serve(app) as port:
        download = await Connection.open(port)
        try:
            status, fields = await download.request("/big")
            assert status == 200
            assert int(fields["content-length"]) == SIZE
            received = bytearray(await download.reader.readexactly(1024 * 1024))

            # Mid-download (the server holds the open file, and more data
            # than the socket takes): other requests are answered.
            for _ in range(3):
                ping_status, _, ping_body = await fetch(port, "/ping")
                assert (ping_status, ping_body) == (200, b"pong")
            assert len(received) < SIZE  # The download has not finished.

            while chunk := await download.reader.read(1024 * 1024):
                received += chunk
        finally:
            await download.close()
    assert len(received) == SIZE
    for offset, marker in MARKERS.items():
        assert received[offset : offset + len(marker)] == marker
    assert received.count(0) == SIZE - sum(len(marker) for marker in MARKERS.values())


async def test_range_request_over_the_wire(app: Quart) -> None:
    async with asyncio.timeout(TIMEOUT), serve(app) as port:
        middle = SIZE // 2
        status, fields, body = await fetch(port, "/big", f"Range: bytes={middle}-{middle + 5}\r\n")
        assert status == 206
        assert fields["content-range"] == f"bytes {middle}-{middle + 5}/{SIZE}"
        assert body == b"middle"
        status, fields, body = await fetch(port, "/big", f"Range: bytes={SIZE}-\r\n")
        assert status == 416
        assert fields["content-range"] == f"bytes */{SIZE}"


@pytest.mark.parametrize(
    "target",
    [
        "/static/../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/..%2fsecret.txt",
        "/static/%2e%2e%2fsecret.txt",
        "/static/..%5csecret.txt",
        "/static/%2fetc%2fpasswd",
        "/static//etc/passwd",
        "/static/hello.txt%00",
        "/static/%c0%ae%c0%ae/secret.txt",
    ],
)
async def test_traversal_over_the_wire_is_the_missing_file_404(app: Quart, target: str) -> None:
    async with asyncio.timeout(TIMEOUT), serve(app) as port:
        assert (await fetch(port, "/static/hello.txt"))[2] == b"hello world"
        missing_status, _, missing_body = await fetch(port, "/static/missing.txt")
        status, _, body = await fetch(port, target)
    assert missing_status == 404
    assert (status, body) == (404, missing_body)
