"""HTTP/2 over TLS on 127.0.0.1 for the end-to-end tests.

* :func:`tls_files` makes a throwaway CA (trustme) and a certificate for
  127.0.0.1 and localhost, written to PEM files the server can load.
* :func:`tls_hypercorn_server` serves an app with ``app.run_task(certfile=...,
  keyfile=...)``, as ``app.run`` and ``quart run --certfile`` do.
* :class:`H2Connection` is a small HTTP/2 client on the ``h2`` library over
  asyncio streams, for what httpx does not expose: resetting one stream
  (RST_STREAM) mid-body, and server push.

Every wait is bounded (:data:`BOUND`).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import e2e_servers
import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import trustme

from quart import Quart

BOUND = 10


@dataclass
class TLSFiles:
    """PEM files of a throwaway CA and a server certificate signed by it."""

    ca: Path
    cert: Path
    key: Path

    def client_context(self, alpn: tuple[str, ...] = ("h2", "http/1.1")) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca))
        context.set_alpn_protocols(list(alpn))
        return context


def tls_files(directory: Path) -> TLSFiles:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    files = TLSFiles(directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    ca.cert_pem.write_to_path(str(files.ca))
    cert.cert_chain_pems[0].write_to_path(str(files.cert))
    for extra in cert.cert_chain_pems[1:]:  # pragma: no cover - trustme issues a leaf only
        extra.write_to_path(str(files.cert), append=True)
    cert.private_key_pem.write_to_path(str(files.key))
    return files


@asynccontextmanager
async def tls_hypercorn_server(app: Quart, tls: TLSFiles) -> AsyncIterator[int]:
    """Serve ``app`` over TLS (h2 and http/1.1 by ALPN) with Hypercorn; yield its port."""
    sock = e2e_servers.listening_socket()
    port = sock.getsockname()[1]
    fd = sock.detach()
    stop = asyncio.Event()
    task = asyncio.create_task(
        app.run_task(
            host=f"fd://{fd}",
            port=0,
            certfile=str(tls.cert),
            keyfile=str(tls.key),
            shutdown_trigger=stop.wait,
        )
    )
    try:
        yield port
    finally:
        stop.set()
        async with asyncio.timeout(e2e_servers.BOUND):
            await task


@dataclass
class Stream:
    """What one HTTP/2 stream has received."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    data: bytearray = field(default_factory=bytearray)
    ended: bool = False
    reset: int | None = None  # The error code of a RST_STREAM from the server.

    @property
    def status(self) -> int:
        return int(dict(self.headers)[":status"])


class H2Connection:
    """One HTTP/2 client connection, driven by hand."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: Any
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.conn = conn
        self.streams: dict[int, Stream] = {}
        #: (pushed stream id, parent stream id, request headers) for each PUSH_PROMISE.
        self.pushes: list[tuple[int, int, list[tuple[str, str]]]] = []
        self.terminated = False
        self.authority = "127.0.0.1"

    @classmethod
    async def open(cls, port: int, tls: TLSFiles | None) -> H2Connection:
        """Connect over TLS (ALPN h2) or, with ``tls=None``, cleartext with prior knowledge."""
        context = tls.client_context(("h2",)) if tls is not None else None
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=context, server_hostname="127.0.0.1" if context else None
        )
        if context is not None:
            assert writer.get_extra_info("ssl_object").selected_alpn_protocol() == "h2"
        conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        )
        conn.initiate_connection()
        self = cls(reader, writer, conn)
        self.authority = f"127.0.0.1:{port}"
        await self.flush()
        return self

    @classmethod
    async def upgrade(cls, port: int, path: str = "/") -> tuple[H2Connection, bytes]:
        """Cleartext ``Upgrade: h2c`` from HTTP/1.1: the request becomes stream 1.
        Returns the connection and the server's HTTP/1.1 101 head."""
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
        )
        settings = conn.initiate_upgrade_connection()  # base64url already
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n".encode()
            + b"HTTP2-Settings: "
            + settings
            + b"\r\n\r\n"
        )
        await writer.drain()
        async with asyncio.timeout(BOUND):
            head = await reader.readuntil(b"\r\n\r\n")
        self = cls(reader, writer, conn)
        self.authority = f"127.0.0.1:{port}"
        self.streams[1] = Stream()
        await self.flush()
        return self, head

    async def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.writer.write(data)
            await self.writer.drain()

    async def request(
        self,
        path: str,
        method: str = "GET",
        headers: list[tuple[str, str]] | None = None,
        body: bytes | None = b"",
    ) -> int:
        """Open a stream; send ``body`` and end it, or with ``body=None`` leave it open."""
        stream_id: int = self.conn.get_next_available_stream_id()
        self.streams[stream_id] = Stream()
        self.conn.send_headers(
            stream_id,
            [
                (":method", method),
                (":path", path),
                (":scheme", "https"),
                (":authority", self.authority),
                *(headers or []),
            ],
            end_stream=body == b"",
        )
        if body:
            self.conn.send_data(stream_id, body, end_stream=True)
        await self.flush()
        return stream_id

    async def send_data(self, stream_id: int, data: bytes, end_stream: bool = False) -> None:
        self.conn.send_data(stream_id, data, end_stream=end_stream)
        await self.flush()

    async def reset(self, stream_id: int) -> None:
        """RST_STREAM with CANCEL, as a browser does when the user navigates away."""
        self.conn.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
        await self.flush()

    async def _pump(self) -> None:
        data = await self.reader.read(65536)
        if not data:
            raise ConnectionError("the server closed the connection")
        for event in self.conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                self.streams.setdefault(event.stream_id, Stream()).headers = list(event.headers)
            elif isinstance(event, h2.events.DataReceived):
                self.streams[event.stream_id].data += event.data
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamEnded):
                self.streams[event.stream_id].ended = True
            elif isinstance(event, h2.events.StreamReset):
                self.streams[event.stream_id].reset = int(event.error_code)
            elif isinstance(event, h2.events.PushedStreamReceived):
                self.streams[event.pushed_stream_id] = Stream()
                self.pushes.append(
                    (event.pushed_stream_id, event.parent_stream_id, list(event.headers))
                )
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.terminated = True
        await self.flush()

    async def wait(self, done: Callable[[], bool], timeout: float = BOUND) -> None:
        """Read from the server until ``done()`` (bounded)."""
        async with asyncio.timeout(timeout):
            while not done():
                await self._pump()

    async def response(self, stream_id: int) -> Stream:
        stream = self.streams[stream_id]
        await self.wait(lambda: stream.ended or stream.reset is not None)
        return stream

    async def close(self) -> None:
        try:
            self.conn.close_connection()
            await self.flush()
        except (ConnectionError, h2.exceptions.ProtocolError):  # pragma: no cover
            pass
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except (ConnectionError, ssl.SSLError):  # pragma: no cover - the server got there first
            pass
