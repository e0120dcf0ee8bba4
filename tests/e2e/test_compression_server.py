"""Response compression on real servers (Hypercorn and uvicorn, 127.0.0.1).

The client is raw HTTP/1.1 over asyncio streams, so the test sees the bytes
on the wire: a compressed body with its Content-Length, and a server-sent
event stream whose first event decodes before the stream ends.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncGenerator
from typing import Any

import brotli
import e2e_servers
import pytest
import zstandard

from quart import jsonify
from quart import Quart
from quart.sse import EventSourceResponse
from quart.sse import ServerSentEvent

BOUND = 10  # seconds for any one wait


@pytest.fixture(
    params=e2e_servers.server_params(e2e_servers.hypercorn_server, e2e_servers.uvicorn_server)
)
def server(request: pytest.FixtureRequest) -> Any:
    return request.param


def _decoder(encoding: str) -> Any:
    if encoding == "gzip":
        return zlib.decompressobj(31).decompress
    if encoding == "br":
        return brotli.Decompressor().process
    return zstandard.ZstdDecompressor().decompressobj().decompress


def _app(release: asyncio.Event) -> Quart:
    app = Quart(__name__)
    app.config["COMPRESS_ENABLED"] = True

    @app.route("/json")
    async def json_view() -> Any:
        return jsonify(items=[{"id": index, "name": f"item {index}"} for index in range(500)])

    @app.route("/events")
    async def events() -> Any:
        async def generate() -> AsyncGenerator[ServerSentEvent, None]:
            yield ServerSentEvent("first " * 20, id="1")
            await release.wait()
            yield ServerSentEvent("second", id="2")

        return EventSourceResponse(generate(), ping=None)

    return app


async def _request(
    port: int, path: str, encoding: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, int, dict[str, str]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Accept-Encoding: {encoding}\r\nConnection: close\r\n\r\n".encode()
    )
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return reader, writer, int(status_line.split()[1]), headers


async def _chunk(reader: asyncio.StreamReader) -> bytes:
    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
    data = await reader.readexactly(size)
    await reader.readexactly(2)
    return data


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        await writer.wait_closed()
    except ConnectionError:  # pragma: no cover - the server got there first
        pass


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
async def test_json_is_compressed_on_the_wire(server: Any, encoding: str) -> None:
    async with asyncio.timeout(BOUND * 3), server(_app(asyncio.Event())) as port:
        reader, writer, status, headers = await _request(port, "/json", encoding)
        try:
            assert status == 200
            assert headers["content-encoding"] == encoding
            assert headers["vary"] == "Accept-Encoding"
            body = await reader.readexactly(int(headers["content-length"]))
        finally:
            await _close(writer)
        document = json.loads(_decoder(encoding)(body))
        assert len(document["items"]) == 500
        assert len(body) < len(json.dumps(document)) / 3


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
async def test_an_event_arrives_decodable_before_the_stream_ends(
    server: Any, encoding: str
) -> None:
    release = asyncio.Event()
    async with asyncio.timeout(BOUND * 3), server(_app(release)) as port:
        reader, writer, status, headers = await _request(port, "/events", encoding)
        try:
            assert status == 200
            assert headers["content-encoding"] == encoding
            assert headers["content-type"].startswith("text/event-stream")
            assert "content-length" not in headers
            decode = _decoder(encoding)
            text = b""
            async with asyncio.timeout(BOUND):
                # The opening comment and the first event, while the generator
                # still waits: each chunk was flushed by the compressor.
                while b"id: 1\n" not in text:
                    text += decode(await _chunk(reader))
            assert ("data: " + "first " * 20 + "\n").encode() in text
            release.set()
            async with asyncio.timeout(BOUND):
                while True:
                    chunk = await _chunk(reader)
                    if not chunk:
                        break
                    text += decode(chunk)
            assert text.endswith(b"id: 2\ndata: second\n\n")
        finally:
            release.set()
            await _close(writer)
