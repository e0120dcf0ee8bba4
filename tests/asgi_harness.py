"""Raw ASGI helpers shared by the tests: build a scope, call an app, record
what it sends. A module of its own (not conftest.py) so test modules can
import it by a name no other folder on pytest's path uses."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

HTTPScopeFactory = Callable[..., dict[str, Any]]


def _make_http_scope(
    path: str = "/",
    *,
    method: str = "GET",
    headers: list[tuple[bytes, bytes]] | None = None,
    query_string: bytes = b"",
    root_path: str = "",
    http_version: str = "1.1",
    scheme: str = "http",
    host: bytes | None = b"localhost",
    raw_path: bytes | None = None,
) -> dict[str, Any]:
    """A minimal, valid ASGI ``http`` scope; ``host=None`` omits the Host header."""
    all_headers = [] if host is None else [(b"host", host)]
    all_headers.extend(headers or [])
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": http_version,
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": raw_path if raw_path is not None else path.encode("utf-8", "surrogateescape"),
        "query_string": query_string,
        "root_path": root_path,
        "headers": all_headers,
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
        "extensions": {},
    }


@dataclass
class RawResponse:
    """What an ASGI app sent for one request, message by message."""

    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def start(self) -> dict[str, Any]:
        starts = [m for m in self.messages if m["type"] == "http.response.start"]
        assert len(starts) == 1, self.messages
        return starts[0]

    @property
    def status(self) -> int:
        return int(self.start["status"])

    @property
    def headers(self) -> dict[str, str]:
        """Lower-cased names; repeated headers joined with ', '."""
        out: dict[str, str] = {}
        for name, value in self.start["headers"]:
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            out[key] = f"{out[key]}, {text}" if key in out else text
        return out

    @property
    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        return list(self.start["headers"])

    @property
    def body_messages(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == "http.response.body"]

    @property
    def body(self) -> bytes:
        return b"".join(m.get("body", b"") for m in self.body_messages)


AsgiCall = Callable[..., Awaitable[RawResponse]]


async def _asgi_call(
    app: Any,
    scope: dict[str, Any],
    body: bytes | list[bytes] = b"",
    *,
    timeout: float = 5,
) -> RawResponse:
    """Call ``app`` with ``scope``; send ``body`` (one chunk or a list of chunks),
    then ``http.disconnect`` once the response is complete."""
    chunks = [body] if isinstance(body, bytes) else list(body)
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ] or [{"type": "http.request", "body": b"", "more_body": False}]
    result = RawResponse()
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        result.messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            done.set()

    async with asyncio.timeout(timeout):
        try:
            await app(scope, receive, send)
        finally:
            done.set()
    return result
